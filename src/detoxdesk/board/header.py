"""What the chart header says about pregnancy and age, read once per chart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from detoxdesk.clinical import populations
from detoxdesk.intake.models import Evaluation
from detoxdesk.patients.models import Episode, Patient
from detoxdesk.patients.pregnancy import can_become_pregnant
from detoxdesk.tapers import queries as taper_queries


@dataclass(frozen=True)
class Header:
    """``pregnant``: True, False or None (not known); ``pregnancy_asked``: False when sex at birth
    rules it out; ``minor``: under the minor age (cfr-8-12-2024), which asks for consent."""

    pregnant: bool | None
    pregnancy_asked: bool
    minor: bool
    moud_first: str


def _pregnant(patient: Patient, episode: Episode | None) -> bool | None:
    """The episode's medication facts (a test sets them) or the latest evaluation's answer."""
    if episode is not None:
        return taper_queries.pregnancy(episode)
    evaluation = (
        Evaluation.objects.filter(patient=patient).only("answers").order_by("-created_at").first()
    )
    answer = evaluation.answers.get("pregnant") if evaluation is not None else None
    return answer if isinstance(answer, bool) else None


def header(patient: Patient, episode: Episode | None, today: date) -> Header:
    """Pregnancy (asked by sex at birth, never by gender identity) and age for the chart header."""
    asked = can_become_pregnant(patient) is not False
    pregnant = _pregnant(patient, episode)
    return Header(
        pregnant=pregnant,
        pregnancy_asked=asked,
        minor=populations.is_minor(patient.age_on(today)),
        moud_first=populations.moud_first_offer().text,
    )
