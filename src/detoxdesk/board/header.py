"""What the chart header says about pregnancy and age, read once per chart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from detoxdesk.clinical import populations
from detoxdesk.intake.models import Evaluation
from detoxdesk.labs import queries as lab_queries
from detoxdesk.patients.models import Episode, Patient
from detoxdesk.patients.pregnancy import can_become_pregnant
from detoxdesk.tapers import queries as taper_queries


@dataclass(frozen=True)
class Header:
    """``pregnant``: True, False or None (not known); ``pregnancy_asked``: False when sex at birth
    rules it out; ``minor``: under the minor age (cfr-8-12-2024), which asks for consent;
    ``test_prompt``: the intake pregnancy-test prompt (buppractice) while no test of this stay
    is recorded."""

    pregnant: bool | None
    pregnancy_asked: bool
    minor: bool
    moud_first: str
    test_prompt: str | None = None


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
    can = can_become_pregnant(patient)
    pregnant = _pregnant(patient, episode)
    return Header(
        pregnant=pregnant,
        pregnancy_asked=can is not False,
        minor=populations.is_minor(patient.age_on(today)),
        moud_first=populations.moud_first_offer().text,
        test_prompt=_test_prompt(patient, episode, can, pregnant),
    )


def _test_prompt(
    patient: Patient, episode: Episode | None, can: bool | None, pregnant: bool | None
) -> str | None:
    """The prompt during an active stay with no pregnancy test since its admission."""
    if episode is None or episode.status != Episode.Status.ACTIVE:
        return None
    tested = lab_queries.pregnancy_tested(patient.pk, episode.admitted_at)
    due = populations.pregnancy_test_due(can, pregnant, tested=tested)
    return populations.pregnancy_test_prompt().text if due else None
