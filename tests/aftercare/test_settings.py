"""The director's aftercare settings page."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from detoxdesk.aftercare import actions, policy
from detoxdesk.audit.models import AuditEvent
from factories import Unit

URL = reverse("aftercare:settings")


def test_it_sends_anonymous_visitors_to_sign_in(client: Client) -> None:
    assert "/accounts/sign-in/" in client.get(URL)["Location"]


@pytest.mark.parametrize("persona", ["nurse", "counselor", "outsider"])
def test_it_is_for_directors_only(as_user, unit: Unit, persona: str) -> None:
    assert as_user(getattr(unit, persona)).get(URL).status_code == 403


def test_it_shows_the_shipped_default(as_user, unit: Unit) -> None:
    page = as_user(unit.director).get(URL).content.decode()
    assert "Shipped follow-up days: 3, 7, 30, 90" in page


def test_a_director_sets_the_days_and_the_grace(as_user, unit: Unit) -> None:
    response = as_user(unit.director).post(
        URL, {"follow_up_days": "2, 10, 60", "overdue_grace_days": "1"}
    )
    assert response.status_code == 302
    settings = policy.settings_for(unit.program)
    assert (policy.follow_up_days(settings), settings.overdue_grace_days) == ((2, 10, 60), 1)
    assert AuditEvent.objects.get(event="aftercare.settings_changed").changes["follow_up_days"] == [
        [],
        [2, 10, 60],
    ]


@pytest.mark.parametrize(
    ("days", "message"),
    [("3, x", "whole numbers"), ("7, 3", "rising order"), ("0, 3", "above 0")],
)
def test_it_refuses_a_schedule_it_cannot_use(as_user, unit: Unit, days: str, message: str) -> None:
    response = as_user(unit.director).post(URL, {"follow_up_days": days})
    assert message in " ".join(response.context["form"].errors["follow_up_days"])
    assert not AuditEvent.objects.filter(event="aftercare.settings_changed").exists()


def test_it_refuses_a_nurse_changing_the_settings(unit: Unit) -> None:
    with pytest.raises(PermissionDenied):
        actions.do_change_aftercare_settings(
            unit.program, acting_user=unit.nurse, follow_up_days=[], overdue_grace_days=None
        )
