"""The words staff and patients read for the codes the record stores.

One table per kind of code and one lookup (``label``), so a code never reaches a page as it is
stored: forms take their choices from these tables and templates use the ``code_label`` filter
(``{% load code_labels %}``). The codes themselves stay in the stored data and the API.
"""

from __future__ import annotations

SUBSTANCES = {
    "heroin": "Heroin",
    "fentanyl": "Fentanyl",
    "methadone": "Methadone",
    "buprenorphine": "Buprenorphine",
    "prescription_opioid": "Prescription opioids (pain pills)",
    "alcohol": "Alcohol",
    "benzodiazepine": "Benzodiazepines (such as Xanax or Valium)",
    "stimulant": "Stimulants (such as cocaine or meth)",
    "cannabis": "Cannabis",
    "other": "Something else",
}
ROUTES = {
    "iv": "Injected",
    "smoked": "Smoked",
    "intranasal": "Snorted",
    "oral": "By mouth",
    "other": "Other",
}
SUICIDAL_IDEATION = {
    "none": "None",
    "passive": "Passive (wishes to be dead)",
    "active_no_plan": "Active, no plan",
    "active_with_plan": "Active, with a plan",
}
REQUESTED_SETTINGS = {
    "outpatient": "Outpatient",
    "inpatient": "Inpatient",
    "anesthesia_assisted_rapid": "Rapid detox under anesthesia",
}
OPIOID_CLASSES = {
    "short_acting": "Short-acting opioids (heroin, immediate-release pills)",
    "extended_release": "Extended-release opioids",
    "methadone": "Methadone",
    "buprenorphine": "Buprenorphine",
    "fentanyl": "Fentanyl",
}
# The placement engine's flags (clinical.placement.RULES), as a clinician reads them.
FLAGS = {
    "alcohol_or_sedative_withdrawal_risk": "Alcohol or sedative withdrawal risk",
    "seizure_history": "History of withdrawal seizures",
    "delirium_tremens_history": "History of delirium tremens",
    "fentanyl_exposure": "Fentanyl exposure",
    "pregnancy_moud_preferred": "Pregnant: medication for opioid use disorder preferred",
    "qtc_prolonged": "QTc at or above the methadone warning limit",
    "qtc_markedly_prolonged": "QTc above the methadone strong-warning limit",
    "suicide_risk_urgent": "Suicide risk: urgent safety assessment",
    "psychosis": "Psychosis",
    "overdose_past_year": "Overdose in the past year",
    "benzodiazepine_with_opioid": "Benzodiazepine use with an opioid",
    "rapid_detox_not_recommended": "Rapid detox under anesthesia not recommended",
    "alcohol_withdrawal_high_risk": "High risk of complicated alcohol withdrawal",
}

KINDS: dict[str, dict[str, str]] = {
    "substance": SUBSTANCES,
    "route": ROUTES,
    "suicidal_ideation": SUICIDAL_IDEATION,
    "requested_setting": REQUESTED_SETTINGS,
    "opioid_class": OPIOID_CLASSES,
    "flag": FLAGS,
}


def label(kind: str, code: object) -> str:
    """The words for ``code`` of ``kind`` ("" for no code).

    A code missing from its table is shown as words ("some_code" -> "Some code"), never raw.
    An unknown ``kind`` is a programming error and raises KeyError.
    """
    table = KINDS[kind]
    if code in (None, ""):
        return ""
    text = str(code)
    return table.get(text) or text.replace("_", " ").capitalize()
