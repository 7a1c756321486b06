"""The possible-precipitated-withdrawal alert, derived at read time (never stored).

After the first buprenorphine dose of an episode, the next COWS is compared with the last one
before the dose by the clinical core's screen; a clinician marks an alert reviewed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from detoxdesk.clinical import induction, knowledge
from detoxdesk.clinical.errors import KnowledgeError
from detoxdesk.medications.models import Administration, AlertReview, MedicationSettings
from detoxdesk.medications.policy import program_policy
from detoxdesk.monitoring.models import Assessment, Scale
from detoxdesk.patients.models import Episode


def source_title(key: str) -> str:
    """The registered title of a source key; an unregistered key (the chart, an order, the
    program) is shown as it is."""
    try:
        return knowledge.source(key).title
    except KnowledgeError:
        return key


@dataclass(frozen=True)
class PrecipitatedAlert:
    first_dose: Administration
    before: Assessment
    after: Assessment
    screen: induction.PrecipitatedWithdrawalScreen
    review: AlertReview | None

    @property
    def source_title(self) -> str:
        return source_title(self.screen.source)


def precipitated_alerts(episode: Episode, settings: MedicationSettings) -> list[PrecipitatedAlert]:
    """The alert for ``episode``, if its first buprenorphine dose was followed by a rise in COWS."""
    first = (
        Administration.objects.filter(
            episode=episode, drug="buprenorphine", outcome=Administration.Outcome.GIVEN
        )
        .order_by("occurred_at")
        .first()
    )
    if first is None:
        return []
    cows = Assessment.objects.filter(episode=episode, scale=Scale.COWS)
    before = cows.filter(performed_at__lte=first.occurred_at).order_by("-performed_at").first()
    after = cows.filter(performed_at__gt=first.occurred_at).order_by("performed_at").first()
    if before is None or after is None:
        return []
    minutes = Decimal((after.performed_at - first.occurred_at).total_seconds()) / 60
    screen = induction.screen_precipitated_withdrawal(
        before.total, after.total, minutes.quantize(Decimal(1)), program_policy(settings)
    )
    if not screen.alert:
        return []
    review = AlertReview.objects.filter(first_dose=first, assessment=after).first()
    return [PrecipitatedAlert(first, before, after, screen, review)]
