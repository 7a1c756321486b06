"""What each bundle item marked done must carry, checked and stored as plain JSON values.

The fields are named as on the item form, so a refusal lands next to its field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from detoxdesk.aftercare.models import Discharge
from detoxdesk.clinical import aftercare as rules
from detoxdesk.clinical import products
from detoxdesk.clinical.errors import InvalidInput

MOUD_OPTIONS = {
    "buprenorphine": "Buprenorphine prescription",
    "methadone": "Methadone program referral",
    "naltrexone": "Extended-release naltrexone",
    "bridge": "Bridge prescription until the next prescriber (drug, dose, days)",
}
NALOXONE_OPTIONS = {"dispensed": "Dispensed", "prescribed": "Prescribed"}

Details = dict[str, Any]


def _text(details: Mapping[str, Any], field: str, message: str) -> str:
    value = str(details.get(field) or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def _instant(details: Mapping[str, Any], field: str, message: str) -> datetime:
    value = details.get(field)
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValidationError({field: message})
    return value


def _moud(details: Mapping[str, Any], now: datetime) -> Details:
    option = details.get("moud_option")
    if option not in MOUD_OPTIONS:
        raise ValidationError({"moud_option": "Choose the medication offered or continued."})
    if option == "buprenorphine":
        text = _text(details, "buprenorphine_prescription", "Give the prescription (dose, days).")
        return {"moud_option": option, "buprenorphine_prescription": text}
    if option == "methadone":
        return _methadone(details, now)
    if option == "bridge":
        return _bridge(details)
    return _naltrexone(details, now)


def bridge_drug_choices() -> list[tuple[str, str]]:
    """(code, label) of each medicine a bridge prescription may name (aftercare.toml)."""
    catalogue = products.catalogue()
    return [
        (
            code,
            found.label
            if (found := catalogue.products.get(code))
            else products.ingredient_label(code),
        )
        for code in rules.bridge_drugs()
    ]


def _bridge(details: Mapping[str, Any]) -> Details:
    """A bridge prescription: the drug, the dose in mg a day and the days it covers.

    SPEC.md gives no bridge dose or length: the prescriber writes them; only their form is checked.
    """
    drug = details.get("bridge_drug")
    if drug not in rules.bridge_drugs():
        raise ValidationError({"bridge_drug": "Choose the medicine prescribed."})
    dose = details.get("bridge_dose_mg")
    if not isinstance(dose, Decimal) or dose <= 0:
        raise ValidationError({"bridge_dose_mg": "Give the dose prescribed, in mg a day."})
    days = details.get("bridge_days")
    if type(days) is not int or days <= 0:
        raise ValidationError({"bridge_days": "Give the number of days the prescription covers."})
    return {
        "moud_option": "bridge",
        "bridge_drug": drug,
        "bridge_drug_label": dict(bridge_drug_choices())[drug],
        "bridge_dose_mg": str(dose),
        "bridge_days": days,
    }


def _methadone(details: Mapping[str, Any], now: datetime) -> Details:
    program = _text(details, "methadone_program", "Name the methadone program.")
    dose = details.get("last_dose_mg")
    if not isinstance(dose, Decimal) or dose <= 0:
        raise ValidationError({"last_dose_mg": "Give the last dose given here, in mg."})
    given_at = _instant(details, "last_dose_at", "Give the date and time of the last dose.")
    if given_at > now:
        raise ValidationError({"last_dose_at": "This time is in the future."})
    return {
        "moud_option": "methadone",
        "methadone_program": program,
        "last_dose_mg": str(dose),
        "last_dose_at": given_at.isoformat(),
    }


def _naltrexone(details: Mapping[str, Any], now: datetime) -> Details:
    last_use = _instant(
        details, "last_opioid_use", "Give the date and time of the last opioid use."
    )
    if last_use > now:
        raise ValidationError({"last_opioid_use": "This time is in the future."})
    try:
        start = rules.naltrexone_start(last_use, str(details.get("opioid_class") or ""))
    except InvalidInput as exc:
        raise ValidationError(exc.fields or {"opioid_class": exc.message}) from None
    interval = start.interval
    return {
        "moud_option": "naltrexone",
        "last_opioid_use": last_use.isoformat(),
        "opioid_class": interval.opioid_class,
        "earliest_start": start.earliest_start.isoformat(),
        "opioid_free_days_required": interval.days,
        "source": interval.sources[0],
        "confidence": interval.confidence,
        "note": interval.note or "",
    }


def _naloxone(details: Mapping[str, Any], now: datetime) -> Details:
    how = details.get("naloxone_how")
    if how not in NALOXONE_OPTIONS:
        raise ValidationError({"naloxone_how": "Was naloxone dispensed or prescribed?"})
    return {"naloxone_how": how}


def _warm_handoff(details: Mapping[str, Any], now: datetime) -> Details:
    provider = _text(details, "provider_name", "Name the provider the patient will see.")
    when = _instant(details, "appointment_at", "Give the date and time of the appointment.")
    if when < now:
        raise ValidationError({"appointment_at": "This time is in the past."})
    late = not rules.handoff_in_time(now, when)
    acknowledged = bool(details.get("acknowledge_late"))
    if late and not acknowledged:
        hours = int(rules.warm_handoff_window().length.total_seconds() // 3600)
        raise ValidationError(
            {
                "acknowledge_late": f"This appointment is more than {hours} hours away; the "
                "hand-off should be sooner where possible. Tick to acknowledge and keep it."
            }
        )
    return {
        "provider_name": provider,
        "appointment_at": when.isoformat(),
        "place": str(details.get("place") or "").strip(),
        "phone": str(details.get("phone") or "").strip(),
        "acknowledge_late": late and acknowledged,
    }


CLEANERS: dict[str, Callable[[Mapping[str, Any], datetime], Details]] = {
    "moud": _moud,
    "naloxone": _naloxone,
    "warm_handoff": _warm_handoff,
}


def clean_details(
    code: str, details: Mapping[str, Any], discharge: Discharge, now: datetime
) -> Details:
    """The details an item marked done keeps, or ValidationError naming the missing field."""
    cleaner = CLEANERS.get(code)
    return cleaner(details, now) if cleaner else {}
