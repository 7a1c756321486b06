"""The results pages: entry one panel at a time, the list, one result, the print, access by role,
the audit of every view, and the last opioid screen on the naltrexone item."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from detoxdesk.audit.models import AuditEvent
from detoxdesk.labs.models import Result
from factories_aftercare import start_discharge
from factories_labs import ALL_NEGATIVE, record_result, record_screen

pytestmark = pytest.mark.django_db


def _when(delta: timedelta = timedelta(hours=1)) -> str:
    return timezone.localtime(timezone.now() - delta).strftime("%Y-%m-%dT%H:%M")


def _screen_post(**changes: str) -> dict[str, str]:
    return {
        "specimen_at": _when(),
        "specimen": "urine",
        "method": "point_of_care",
        **ALL_NEGATIVE,
        **changes,
    }


def _record_url(unit, panel: str = "urine_drug_screen") -> str:
    return reverse("labs:record", args=[unit.episode.uuid, panel])


def test_a_nurse_records_a_screen_and_sees_it(unit, as_user):
    client = as_user(unit.nurse)
    page = client.get(_record_url(unit)).content.decode()
    assert "Detection windows" in page and "up to 4 weeks (chronic use)" in page
    assert "Laboratory" not in page  # a nurse records point-of-care tests only
    response = client.post(_record_url(unit), _screen_post(fentanyl="positive"))
    result = Result.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("labs:detail", args=[result.uuid])
    detail = client.get(response.url).content.decode()
    assert "59673-4" in detail and "Positive" in detail
    assert "up to 3 days (short-term use)" in detail and "less than 1 day" in detail


def test_the_form_names_each_bad_field_and_saves_nothing(unit, as_user):
    client = as_user(unit.nurse)
    post = _screen_post(specimen_at="")
    del post["cocaine"]
    response = client.post(_record_url(unit), post)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"specimen_at", "cocaine"}
    assert "Cocaine: choose positive, negative or not tested." in errors["cocaine"]
    assert not Result.objects.exists()


def test_not_tested_is_left_out_and_nothing_tested_is_refused(unit, as_user):
    client = as_user(unit.nurse)
    everything_untested = {code: "not_tested" for code in ALL_NEGATIVE}
    response = client.post(_record_url(unit), _screen_post(**everything_untested))
    assert "Record at least one result." in response.content.decode()
    assert not Result.objects.exists()
    client.post(_record_url(unit), _screen_post(**{**everything_untested, "fentanyl": "positive"}))
    assert [f.analyte for f in Result.objects.get().findings.all()] == ["fentanyl"]


def test_a_future_specimen_time_is_refused_next_to_the_field(unit, as_user):
    response = as_user(unit.nurse).post(
        _record_url(unit), _screen_post(specimen_at=_when(-timedelta(hours=2)))
    )
    assert response.context["form"].errors["specimen_at"] == ["This time is in the future."]


def test_a_prescriber_records_a_laboratory_qtc(unit, as_user):
    client = as_user(unit.prescriber)
    post = {"specimen_at": _when(), "specimen": "ecg", "method": "laboratory", "qtc": "505"}
    client.post(_record_url(unit, "ecg"), post)
    result = Result.objects.get()
    assert (result.method, result.findings.get().value) == ("laboratory", 505)


def test_a_nurse_cannot_post_a_laboratory_result(unit, as_user):
    response = as_user(unit.nurse).post(_record_url(unit), _screen_post(method="laboratory"))
    assert "method" in response.context["form"].errors
    assert not Result.objects.exists()


def test_an_unknown_test_is_not_found(unit, as_user):
    assert as_user(unit.nurse).get(_record_url(unit, "hair")).status_code == 404


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("nurse", 200),
        ("prescriber", 200),
        ("counselor", 403),
        ("director", 403),
        ("coordinator", 404),
        ("auditor", 404),
        ("outsider", 404),
    ],
)
def test_who_may_open_the_entry_form(unit, as_user, persona, status):
    assert as_user(getattr(unit, persona)).get(_record_url(unit)).status_code == status


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("nurse", 200),
        ("prescriber", 200),
        ("counselor", 200),
        ("director", 200),
        ("coordinator", 404),
        ("auditor", 404),
        ("outsider", 404),
    ],
)
def test_who_may_read_the_results(unit, as_user, persona, status):
    result = record_screen(unit.episode, unit.nurse)
    client = as_user(getattr(unit, persona))
    for url in (
        reverse("labs:results", args=[unit.episode.uuid]),
        reverse("labs:print", args=[unit.episode.uuid]),
        reverse("labs:detail", args=[result.uuid]),
    ):
        assert client.get(url).status_code == status, url


def test_every_view_is_audited(unit, as_user):
    result = record_screen(unit.episode, unit.nurse)
    client = as_user(unit.counselor)
    client.get(reverse("labs:results", args=[unit.episode.uuid]))
    client.get(reverse("labs:print", args=[unit.episode.uuid]))
    client.get(reverse("labs:detail", args=[result.uuid]))
    events = AuditEvent.objects.filter(event="lab_result.viewed", actor=unit.counselor)
    assert events.count() == 3
    assert {e.patient_id for e in events} == {unit.patient.pk}


def test_the_list_shows_results_newest_first_with_windows_and_an_empty_state(unit, as_user):
    client = as_user(unit.counselor)
    url = reverse("labs:results", args=[unit.episode.uuid])
    assert "No results recorded in this episode." in client.get(url).content.decode()
    record_result(unit.episode, unit.nurse, "alcohol", {"alcohol": "positive"}, specimen="breath")
    record_screen(unit.episode, unit.nurse, at=timezone.now() - timedelta(minutes=5))
    response = client.get(url)
    page = response.content.decode()
    assert [d["panel"].code for d in response.context["results"]] == [
        "urine_drug_screen",
        "alcohol",
    ]
    assert "2–5 days" in page and "Record: Urine drug screen" not in page  # counselor: read-only


def test_the_list_pages(unit, as_user, settings):
    from detoxdesk.labs import views

    start = timezone.now() - timedelta(days=1)
    for n in range(views.PAGE_SIZE + 1):
        record_result(
            unit.episode,
            unit.nurse,
            "alcohol",
            {"alcohol": "negative"},
            specimen="breath",
            at=start + timedelta(minutes=n),
        )
    url = reverse("labs:results", args=[unit.episode.uuid])
    first = as_user(unit.nurse).get(url)
    assert first.context["has_next"] and len(first.context["results"]) == views.PAGE_SIZE
    second = as_user(unit.nurse).get(url, {"page": 2})
    assert len(second.context["results"]) == 1 and not second.context["has_next"]


def test_the_print_names_the_patient_and_points_outside_copies_to_the_door(unit, as_user):
    record_screen(unit.episode, unit.nurse, fentanyl="positive")
    page = as_user(unit.nurse).get(reverse("labs:print", args=[unit.episode.uuid])).content.decode()
    assert unit.patient.record_number in page and "42 CFR Part 2" in page
    assert reverse("disclosures:release", args=[unit.patient.uuid]) in page


def test_the_chart_shows_the_results_panel(unit, as_user):
    record_screen(unit.episode, unit.nurse, fentanyl="positive")
    page = (
        as_user(unit.nurse)
        .get(reverse("patients:chart", args=[unit.patient.uuid]))
        .content.decode()
    )
    assert "Drug tests and other results" in page and "Fentanyl: <strong>Positive" in page
    assert "Others negative (7)" in page
    assert reverse("labs:record", args=[unit.episode.uuid, "ecg"]) in page


def test_the_naltrexone_item_shows_the_last_opioid_screen(unit, as_user):
    discharge = start_discharge(unit)
    url = reverse("aftercare:item", args=[discharge.uuid, "moud"])
    assert "Last opioid screen" in as_user(unit.nurse).get(url).content.decode()
    assert "none recorded" in as_user(unit.nurse).get(url).content.decode()
    record_screen(unit.episode, unit.nurse, at=timezone.now() - timedelta(days=2))
    latest = record_screen(unit.episode, unit.nurse, opiates="positive")
    record_result(unit.episode, unit.nurse, "alcohol", {"alcohol": "negative"}, specimen="breath")
    page = as_user(unit.nurse).get(url).content.decode()
    assert reverse("labs:detail", args=[latest.uuid]) in page
    assert "Opiates: <strong>Positive" in page
