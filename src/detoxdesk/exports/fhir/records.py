"""What one episode's bundle is made of, read in a fixed number of queries (one per kind)."""

from __future__ import annotations

from dataclasses import dataclass

from detoxdesk.intake.models import Evaluation
from detoxdesk.labs.models import Result
from detoxdesk.labs.queries import with_findings
from detoxdesk.medications.models import Administration, Order
from detoxdesk.monitoring.models import Assessment, VitalSigns
from detoxdesk.patients.models import Allergy, Episode
from detoxdesk.tapers.models import TaperPlan


@dataclass(frozen=True)
class EpisodeRecord:
    """The rows of one episode, each list in time order."""

    episode: Episode
    allergies: list[Allergy]
    evaluations: list[Evaluation]
    assessments: list[Assessment]
    vital_signs: list[VitalSigns]
    orders: list[Order]
    administrations: list[Administration]
    taper_plans: list[TaperPlan]
    lab_results: list[Result]


def load(episode: Episode) -> EpisodeRecord:
    """Read everything the bundle shows of ``episode`` (nine queries, at any size).

    ``episode`` must come with its patient, the program, the facility and the bed
    (``select_related``).
    """
    patient = episode.patient
    return EpisodeRecord(
        episode=episode,
        allergies=list(Allergy.objects.filter(patient=patient).order_by("recorded_at", "pk")),
        evaluations=list(
            Evaluation.objects.filter(
                episode=episode,
                status__in=[Evaluation.Status.COMPLETED, Evaluation.Status.SIGNED],
            )
            .select_related("plan")
            .order_by("created_at", "pk")
        ),
        assessments=list(episode.assessments.order_by("performed_at", "pk")),
        vital_signs=list(episode.vital_signs.order_by("measured_at", "pk")),
        orders=list(
            Order.objects.filter(line__episode=episode)
            .select_related("line")
            .order_by("line__created_at", "line_id", "version")
        ),
        administrations=list(episode.administrations.order_by("occurred_at", "pk")),
        taper_plans=list(TaperPlan.objects.filter(episode=episode).order_by("created_at", "pk")),
        # The results and, in one more query, their findings.
        lab_results=list(
            with_findings(Result.objects.filter(episode=episode)).order_by("specimen_at", "pk")
        ),
    )
