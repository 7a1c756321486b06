"""Intervals no column can hold get a field error on the form, and nothing is saved."""

from __future__ import annotations

from django.urls import reverse

HUGE = str(10**20)


def test_it_refuses_an_episode_interval_the_record_cannot_hold(unit, as_user):
    url = reverse("patients:episode_interval", args=[unit.episode.uuid])
    response = as_user(unit.prescriber).post(url, {"assessment_interval_minutes": HUGE})
    assert response.status_code == 200
    assert "assessment_interval_minutes" in response.context["form"].errors
    unit.episode.refresh_from_db()
    assert unit.episode.assessment_interval_minutes is None


def test_it_refuses_a_program_interval_the_record_cannot_hold(unit, as_user):
    before = unit.program.assessment_interval_minutes
    response = as_user(unit.director).post(
        reverse("patients:program_settings"), {"assessment_interval_minutes": HUGE}
    )
    assert response.status_code == 200
    assert "assessment_interval_minutes" in response.context["form"].errors
    unit.program.refresh_from_db()
    assert unit.program.assessment_interval_minutes == before
