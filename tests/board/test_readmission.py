"""A returning patient: a new episode on the same patient, the earlier stays listed on the chart."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from detoxdesk.intake import actions as intake
from detoxdesk.patients import actions as patient_actions
from detoxdesk.patients.models import Episode
from factories import make_episode


def _discharge(episode: Episode) -> None:
    Episode.objects.filter(pk=episode.pk).update(
        status=Episode.Status.DISCHARGED, discharged_at=timezone.now() - timedelta(days=2)
    )


def test_an_urgent_inquiry_from_a_follow_up_converts_to_the_same_patient(unit):
    _discharge(unit.episode)
    inquiry = intake.do_open_inquiry_for_patient(
        unit.patient, unit.ward, acting_user=unit.nurse, reason="Using again, wants to come back"
    )
    patient = intake.do_convert_inquiry(inquiry, acting_user=unit.nurse, values={})
    assert patient == unit.patient
    episode = patient_actions.do_admit(
        patient, unit.ward, acting_user=unit.nurse, admitted_at=timezone.now()
    )
    assert list(unit.patient.episodes.values_list("pk", flat=True)) == [
        episode.pk,
        unit.episode.pk,
    ]


def test_the_chart_lists_earlier_episodes_and_opens_one(unit, as_user):
    first = unit.episode
    first.admitted_at = timezone.now() - timedelta(days=30)
    first.save()
    _discharge(first)
    second = make_episode(unit.ward, unit.patient)
    client = as_user(unit.nurse)
    chart = reverse("patients:chart", args=[unit.patient.uuid])
    page = client.get(chart)
    assert page.context["episode"] == second
    html = page.content.decode()
    assert "Episodes of care (2)" in html and f"?episode={first.uuid}" in html
    earlier = client.get(chart, {"episode": str(first.uuid)})
    assert earlier.context["episode"] == first
    assert "(discharged)" in earlier.content.decode()


def test_an_episode_of_another_patient_is_not_found(unit, as_user):
    other = make_episode(unit.ward)
    chart = reverse("patients:chart", args=[unit.patient.uuid])
    client = as_user(unit.nurse)
    assert client.get(chart, {"episode": str(other.uuid)}).status_code == 404
    assert client.get(chart, {"episode": "not-a-uuid"}).status_code == 404
