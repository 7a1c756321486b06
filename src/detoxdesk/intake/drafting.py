"""The first draft of a treatment plan, from an evaluation's placement. Staff then edit it.

The draft only restates what the placement found (ratings, reasons, flags and the chosen level);
it adds no clinical rule of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from detoxdesk.intake.models import Evaluation

# What each placement flag adds to the interventions, in plain words (its rule has the source).
FLAG_INTERVENTIONS = {
    "alcohol_or_sedative_withdrawal_risk": "Score CIWA-Ar alongside COWS; seizure precautions.",
    "seizure_history": "Seizure precautions; prescriber review of the withdrawal plan.",
    "delirium_tremens_history": "Monitor for delirium; prescriber review of the withdrawal plan.",
    "pregnancy_moud_preferred": "Physician review: medication for opioid use disorder preferred.",
    "rapid_detox_not_recommended": "Explain why rapid detox under anesthesia is not offered.",
    "suicide_risk_urgent": "Urgent safety assessment and a safety plan.",
    "fentanyl_exposure": "Fentanyl: consider low-dose buprenorphine start; expect a long course.",
    "benzodiazepine_with_opioid": "Overdose risk education; never a reason to withhold MOUD.",
    "overdose_past_year": "Naloxone and lost-tolerance education before discharge.",
    "qtc_prolonged": "ECG follow-up before and during methadone.",
    "qtc_markedly_prolonged": "ECG follow-up; consider another medication than methadone.",
    "psychosis": "Psychiatric assessment.",
    "alcohol_withdrawal_high_risk": (
        "High risk of complicated alcohol withdrawal: the alcohol order set (CIWA-Ar-triggered "
        "benzodiazepine), thiamine, seizure precautions."
    ),
}

GOALS = (
    "Complete withdrawal management safely and comfortably.",
    "Choose a medication pathway for after withdrawal, with the person.",
    "Leave with naloxone, overdose education and an aftercare appointment.",
)


def _problems(placement: dict[str, Any]) -> list[str]:
    lines = []
    for dimension in placement.get("dimensions", []):
        if dimension["rating"] >= 1:
            reasons = " ".join(dimension["reasons"])
            lines.append(
                f"Dimension {dimension['dimension']} ({dimension['name']}), rated "
                f"{dimension['rating']}: {reasons}"
            )
    return lines or ["No problem rated in the evaluation."]


def draft(evaluation: Evaluation) -> dict[str, Any]:
    """Problems, goals, interventions and a pathway to start from (not decided here)."""
    placement = evaluation.placement
    level = evaluation.chosen_level or evaluation.recommended_level
    interventions = [f"Level of care: {level}."]
    interventions.extend(
        FLAG_INTERVENTIONS[flag]
        for flag in placement.get("flags", [])
        if flag in FLAG_INTERVENTIONS
    )
    preference = evaluation.answers.get("preferences")
    if preference:
        interventions.append(f"The person's preferences: {preference}")
    return {
        "problems": "\n".join(f"- {line}" for line in _problems(placement)),
        "goals": "\n".join(f"- {line}" for line in GOALS),
        "interventions": "\n".join(f"- {line}" for line in interventions),
        "medication_pathway": "undecided",
    }
