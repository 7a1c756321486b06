from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from detoxdesk.audit.models import AuditEvent
from detoxdesk.monitoring.models import Assessment
from factories import COWS_ALL_ZERO, cows_answers


def url(unit, scale="cows"):
    return reverse("monitoring:record_assessment", args=[unit.episode.uuid, scale])


def form_data(answers, when=None, **extra):
    when = when or timezone.localtime()
    return {"performed_at": when.strftime("%Y-%m-%dT%H:%M"), **answers, **extra}


def test_it_shows_every_item_with_its_anchors(unit, as_user):
    response = as_user(unit.nurse).get(url(unit))
    assert response.status_code == 200
    body = response.content.decode()
    for key in COWS_ALL_ZERO:
        assert f'name="{key}"' in body
    # Non-contiguous values are offered exactly as the scale allows them.
    assert 'name="gooseflesh_skin" value="3"' in body
    assert 'name="gooseflesh_skin" value="1"' not in body
    assert "Above 120" in body


def test_it_records_a_cows_and_computes_total_and_band_on_the_server(unit, as_user):
    answers = cows_answers(
        resting_pulse_rate=2, sweating=2, restlessness=3, gooseflesh_skin=5, tremor=2
    )
    response = as_user(unit.nurse).post(url(unit), form_data(answers, total="999"))
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    assert assessment.total == 14
    assert assessment.band == "moderate"
    assert assessment.recorded_by == unit.nurse
    assert assessment.policy_version == unit.program.policy_version
    event = AuditEvent.objects.get(event="assessment.recorded")
    assert event.patient == unit.patient
    assert event.actor == unit.nurse
    assert event.changes == {"scale": "cows", "total": 14, "band": "moderate"}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("resting_pulse_rate", "3", "Must be one of 0, 1, 2, 4."),
        ("restlessness", "2", "Must be one of 0, 1, 3, 5."),
        ("gooseflesh_skin", "1", "Must be one of 0, 3, 5."),
        ("sweating", "", "required"),
        ("tremor", "abc", "Enter a whole number."),
    ],
)
def test_it_refuses_bad_items_next_to_the_field_and_saves_nothing(
    unit, as_user, field, value, message
):
    data = form_data(COWS_ALL_ZERO)
    data[field] = value
    response = as_user(unit.nurse).post(url(unit), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert (
        f'id="id_{field}_error"' in response.content.decode()
        or f"{field}_error" in response.content.decode()
    )
    assert Assessment.objects.count() == 0
    assert not AuditEvent.objects.filter(event="assessment.recorded").exists()


def test_it_refuses_a_time_in_the_future(unit, as_user):
    later = timezone.localtime() + timedelta(hours=2)
    response = as_user(unit.nurse).post(url(unit), form_data(COWS_ALL_ZERO, when=later))
    assert response.context["form"].errors["performed_at"] == ["This time is in the future."]
    assert Assessment.objects.count() == 0


def test_it_refuses_a_time_before_admission(unit, as_user):
    earlier = timezone.localtime(unit.episode.admitted_at) - timedelta(hours=1)
    response = as_user(unit.nurse).post(url(unit), form_data(COWS_ALL_ZERO, when=earlier))
    assert "before the patient was admitted" in response.context["form"].errors["performed_at"][0]


def test_it_derives_the_pulse_item_from_a_measured_heart_rate(unit, as_user):
    answers = {k: v for k, v in COWS_ALL_ZERO.items() if k != "resting_pulse_rate"}
    as_user(unit.nurse).post(url(unit), form_data(answers, measured_heart_rate="112"))
    assessment = Assessment.objects.get()
    assert assessment.items["resting_pulse_rate"] == 2
    assert assessment.measured_heart_rate == 112


def test_it_refuses_a_pulse_item_that_contradicts_the_heart_rate(unit, as_user):
    data = form_data(cows_answers(resting_pulse_rate=0), measured_heart_rate="130")
    response = as_user(unit.nurse).post(url(unit), data)
    assert "scores 4 on this item" in response.context["form"].errors["resting_pulse_rate"][0]
    assert Assessment.objects.count() == 0


def test_it_lets_staff_enter_a_sows_for_the_patient(unit, as_user):
    keys = [
        "anxious",
        "yawning",
        "perspiring",
        "eyes_tearing",
        "nose_running",
        "goose_flesh",
        "shaking",
        "hot_flashes",
        "cold_flashes",
        "bones_muscles_ache",
        "restless",
        "nauseous",
        "feel_like_vomiting",
        "muscles_twitch",
        "stomach_cramps",
        "urge_to_use",
    ]
    data = form_data(dict.fromkeys(keys, 2), on_behalf_of_patient="on")
    response = as_user(unit.nurse).post(url(unit, "sows"), data)
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    assert (assessment.total, assessment.band, assessment.on_behalf_of_patient) == (32, "", True)


def test_it_uses_the_programs_sows_bands_when_set(unit, as_user):
    unit.program.sows_bands = [
        {"name": "low", "label": "Low", "low": 0, "high": 20},
        {"name": "high", "label": "High", "low": 21, "high": None},
    ]
    unit.program.save()
    keys = [
        "anxious",
        "yawning",
        "perspiring",
        "eyes_tearing",
        "nose_running",
        "goose_flesh",
        "shaking",
        "hot_flashes",
        "cold_flashes",
        "bones_muscles_ache",
        "restless",
        "nauseous",
        "feel_like_vomiting",
        "muscles_twitch",
        "stomach_cramps",
        "urge_to_use",
    ]
    as_user(unit.nurse).post(url(unit, "sows"), form_data(dict.fromkeys(keys, 2)))
    assert Assessment.objects.get().band == "high"


def test_it_records_a_ciwa_ar_with_its_band(unit, as_user):
    keys = [
        "nausea_vomiting",
        "tremor",
        "paroxysmal_sweats",
        "anxiety",
        "agitation",
        "tactile_disturbances",
        "auditory_disturbances",
        "visual_disturbances",
        "headache",
    ]
    data = form_data({**dict.fromkeys(keys, 2), "orientation": 1})
    as_user(unit.prescriber).post(url(unit, "ciwa-ar"), data)
    assessment = Assessment.objects.get()
    assert (assessment.total, assessment.band) == (19, "severe")


def test_it_audits_opening_the_flowsheet(unit, as_user):
    as_user(unit.nurse).get(url(unit))
    assert AuditEvent.objects.filter(event="flowsheet.viewed", patient=unit.patient).count() == 1


@pytest.mark.parametrize("persona", ["counselor", "director"])
def test_it_refuses_roles_that_cannot_record(unit, as_user, persona):
    response = as_user(getattr(unit, persona)).post(url(unit), form_data(COWS_ALL_ZERO))
    assert response.status_code == 403
    assert Assessment.objects.count() == 0


@pytest.mark.parametrize("persona", ["outsider", "auditor", "admin", "coordinator"])
def test_it_hides_the_patient_from_people_without_chart_access(unit, as_user, persona):
    response = as_user(getattr(unit, persona)).get(url(unit))
    assert response.status_code == 404


def test_it_sends_anonymous_visitors_to_sign_in(unit, client):
    response = client.get(url(unit))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_it_returns_404_for_an_unknown_scale(unit, as_user):
    assert as_user(unit.nurse).get(url(unit, "abc")).status_code == 404


def test_it_refuses_recording_on_a_discharged_episode(unit, as_user):
    unit.episode.status = "discharged"
    unit.episode.discharged_at = timezone.now()
    unit.episode.save()
    response = as_user(unit.nurse).post(url(unit), form_data(COWS_ALL_ZERO))
    assert "episode has ended" in str(response.context["form"].non_field_errors())
    assert Assessment.objects.count() == 0
