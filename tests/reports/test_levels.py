"""A report's episodes show their level of care in the edition the program's reports use."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from detoxdesk.intake import actions
from detoxdesk.intake.models import Evaluation
from detoxdesk.reports.levels import levels_by_episode
from factories import make_episode

pytestmark = pytest.mark.django_db

CONFIRMED = {"1-WM": "1.7", "2-WM": "2.7", "3.2-WM": "3.5", "3.7-WM": "3.7", "4-WM": "4.0"}


@pytest.fixture
def stay(unit):
    episode = make_episode(unit.ward, admitted_at=datetime(2026, 1, 10, 12, tzinfo=UTC))
    Evaluation.objects.create(
        patient=episode.patient,
        facility=unit.ward,
        created_by=unit.prescriber,
        episode=episode,
        chosen_level="3.2-WM",
        recommended_level="3.2-WM",
    )
    return episode


def test_reports_use_the_3rd_edition_by_default(unit, stay):
    assert levels_by_episode([stay]) == {stay.pk: "3.2-WM (3rd edition)"}


def test_reports_in_the_4th_edition_say_when_the_mapping_is_unconfirmed(unit, stay):
    actions.do_change_editions(
        unit.program, acting_user=unit.director, shown="3", reports="4", expected_version=1
    )
    assert levels_by_episode([stay]) == {
        stay.pk: "no direct match for 3.2-WM (4th edition, unconfirmed mapping)"
    }
    actions.do_confirm_fourth_mapping(
        unit.program, acting_user=unit.director, mapping=CONFIRMED, expected_version=2
    )
    assert levels_by_episode([stay]) == {stay.pk: "3.5 (4th edition)"}


def test_the_report_s_episode_list_shows_the_level(unit, as_user, stay):
    response = as_user(unit.director).get(
        reverse("reports:episodes"),
        {"from": "2026-01-01", "to": "2026-01-31", "measure": "admissions"},
    )
    assert "3.2-WM (3rd edition)" in html.unescape(response.content.decode())
