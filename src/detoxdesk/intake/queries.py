"""Read-only questions other apps ask of the intake record (published contracts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from detoxdesk.clinical import alcohol, course, placement
from detoxdesk.intake import evaluation_data
from detoxdesk.intake.models import Evaluation
from detoxdesk.labs import queries as lab_queries
from detoxdesk.patients.models import Episode, Patient


@dataclass(frozen=True)
class LastUse:
    """The last opioid use an evaluation recorded, and where it was read from."""

    at: datetime
    opioid_class: str  # one of the clinical course classes (clinical.course)
    source: str  # for people: e.g. "evaluation signed 21 Nov"


def last_opioid_use(patient: Patient) -> LastUse | None:
    """The latest opioid use recorded in the patient's most recently signed evaluation.

    The time is the latest last use of any opioid row; the class is the one chosen on the
    evaluation, else ``course.class_for_substances`` of the opioids named (fentanyl exposure
    counts as fentanyl), as for the evaluation's expected course. None when no evaluation is
    signed, or the latest signed one records no opioid with a known last use and class.
    """
    evaluation = (
        Evaluation.objects.filter(patient=patient, status=Evaluation.Status.SIGNED)
        .order_by("-signed_at", "-pk")
        .only("answers", "signed_at")
        .first()
    )
    if evaluation is None or evaluation.signed_at is None:
        return None
    answers = evaluation.answers
    rows = [
        row for row in evaluation_data.substance_rows(answers) if row["name"] in placement.OPIOIDS
    ]
    names = [row["name"] for row in rows]
    if answers.get("fentanyl_exposure") is True:
        names.append("fentanyl")
    opioid_class = answers.get("course_opioid_class") or course.class_for_substances(names)
    uses = [
        used
        for used in (evaluation_data.when(row.get("last_use")) for row in rows)
        if used is not None
    ]
    if not opioid_class or not uses:
        return None
    signed = timezone.localtime(evaluation.signed_at)
    return LastUse(
        at=max(uses),
        opioid_class=str(opioid_class),
        source=f"evaluation signed {signed.day} {signed:%b}",
    )


def opioid_use_recorded(patient: Patient) -> bool:
    """True when the patient's latest signed evaluation records opioid use.

    The evaluation records no diagnosis code: an opioid named in its substance history, or
    fentanyl exposure answered yes, is what the record knows of opioid use disorder. The discharge
    reads it to refuse "not applicable" for the MOUD offer (SPEC.md section 13).
    """
    evaluation = (
        Evaluation.objects.filter(patient=patient, status=Evaluation.Status.SIGNED)
        .order_by("-signed_at", "-pk")
        .only("answers")
        .first()
    )
    if evaluation is None:
        return False
    answers = evaluation.answers
    named = {row["name"] for row in evaluation_data.substance_rows(answers)}
    return bool(named & placement.OPIOIDS) or answers.get("fentanyl_exposure") is True


def alcohol_test_positive(patient: Patient, now: datetime) -> bool:
    """A positive breath or blood alcohol within the PAWSS window before ``now`` (SPEC A6.1).

    The one lab input of the PAWSS prompt and placement (``detoxdesk.labs``).
    """
    since = now - timedelta(days=alcohol.pawss().drank_within_days)
    return lab_queries.alcohol_positive(patient.pk, since)


def alcohol_high_risk(episode: Episode) -> str | None:
    """Why the alcohol order set is proposed for ``episode``, or None.

    The evaluation that led to the episode found a high risk of complicated alcohol withdrawal
    (PAWSS at its threshold, or seizures or DTs in someone who drank recently: the placement
    flag ``alcohol_withdrawal_high_risk``; sources bccsu-aud-2023, nice-cg100).
    """
    found = Evaluation.objects.filter(episode=episode).order_by("-created_at").first()
    if found is None or alcohol.HIGH_RISK_FLAG not in found.placement.get("flags", []):
        return None
    return alcohol.high_risk_placement().advice
