from __future__ import annotations

import pytest
from django.urls import reverse

from detoxdesk.audit.models import AuditEvent

URL = reverse("patients:program_settings")


def test_a_director_sets_the_interval_vital_flags_and_sows_bands(unit, as_user):
    version = unit.program.policy_version
    response = as_user(unit.director).post(
        URL,
        {
            "assessment_interval_minutes": "120",
            "systolic_low": "90",
            "heart_rate_high": "",
            "sows_bands": "Low 0-20\nHigh 21+",
        },
    )
    assert response.status_code == 302
    unit.program.refresh_from_db()
    assert unit.program.assessment_interval_minutes == 120
    assert unit.program.vital_ranges == {"systolic": {"low": 90.0, "high": None}}
    assert unit.program.sows_bands[1] == {"name": "high", "label": "High", "low": 21, "high": None}
    assert unit.program.policy_version == version + 1
    event = AuditEvent.objects.get(event="program.settings_changed")
    assert event.changes["assessment_interval_minutes"] == [240, 120]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"assessment_interval_minutes": "0"},
            "assessment_interval_minutes",
            "greater than or equal to 1",
        ),
        ({"sows_bands": "Low 0-20\nHigh 15+"}, "sows_bands", "must not overlap"),
        ({"sows_bands": "nonsense"}, "sows_bands", "should look like"),
        ({"systolic_low": "120", "systolic_high": "100"}, "systolic_high", "above the low flag"),
        ({"heart_rate_high": "400"}, "heart_rate_high", "less than or equal to"),
        (
            {"heart_rate_hard_low": "300", "heart_rate_hard_high": "250"},
            "heart_rate_hard_high",
            "above the lower one",
        ),
        ({"spo2_hard_low": "-1"}, "spo2_hard_low", "greater than or equal to 0"),
    ],
)
def test_it_refuses_bad_settings_and_saves_nothing(unit, as_user, data, field, message):
    response = as_user(unit.director).post(URL, data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    unit.program.refresh_from_db()
    assert unit.program.assessment_interval_minutes == 240
    assert unit.program.vital_hard_limits == {}
    assert not AuditEvent.objects.filter(event="program.settings_changed").exists()


@pytest.mark.parametrize("persona", ["nurse", "prescriber", "auditor", "admin"])
def test_only_directors_change_settings(unit, as_user, persona):
    assert (
        as_user(getattr(unit, persona)).post(URL, {"assessment_interval_minutes": "60"}).status_code
        == 403
    )


def test_a_nurse_overrides_the_interval_for_one_episode(unit, as_user):
    url = reverse("patients:episode_interval", args=[unit.episode.uuid])
    response = as_user(unit.nurse).post(url, {"assessment_interval_minutes": "60"})
    assert response.status_code == 302
    unit.episode.refresh_from_db()
    assert unit.episode.assessment_interval_minutes == 60
    assert AuditEvent.objects.get(event="episode.updated").changes == {
        "assessment_interval_minutes": [None, 60]
    }


def test_a_counselor_cannot_change_the_episode_interval(unit, as_user):
    url = reverse("patients:episode_interval", args=[unit.episode.uuid])
    assert (
        as_user(unit.counselor).post(url, {"assessment_interval_minutes": "60"}).status_code == 403
    )


def test_it_links_every_app_settings_page_and_each_opens_for_the_director(unit, as_user):
    client = as_user(unit.director)
    page = client.get(URL).content.decode()
    for name in (
        "intake:settings",
        "medications:settings",
        "tapers:settings",
        "aftercare:settings",
    ):
        assert f'href="{reverse(name)}"' in page
        assert client.get(reverse(name)).status_code == 200


def test_a_director_sets_vital_sign_hard_limits(unit, as_user):
    data = {"assessment_interval_minutes": "240", "temperature_c_hard_high": "45.0"}
    assert as_user(unit.director).post(URL, data).status_code == 302
    unit.program.refresh_from_db()
    assert unit.program.vital_hard_limits == {"temperature_c": {"low": None, "high": 45.0}}
    event = AuditEvent.objects.get(event="program.settings_changed")
    assert event.changes["vital_hard_limits"] == [{}, unit.program.vital_hard_limits]
    body = as_user(unit.director).get(URL).content.decode()
    assert 'name="temperature_c_hard_high" value="45.0"' in body
