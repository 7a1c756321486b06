"""How long a reserved bed stays held is the program's choice: unset as shipped, listed before
go-live, set by the director on the intake settings page (audited)."""

from __future__ import annotations

from django.urls import reverse

from detoxdesk.audit.models import AuditEvent
from detoxdesk.intake.actions import settings_for
from detoxdesk.patients.golive import unset_parameters

NAME = "Hours a bed reserved from the intake queue stays held"


def test_it_ships_unset_and_the_director_sets_it(unit, as_user):
    assert settings_for(unit.program).bed_hold_hours is None
    assert NAME in [u.name for u in unset_parameters(unit.program)]
    client = as_user(unit.director)
    url = reverse("intake:settings")
    bad = client.post(url, {"record_numbers": "entered", "bed_hold_hours": "0"})
    assert bad.status_code == 200 and "bed_hold_hours" in bad.context["form"].errors
    assert settings_for(unit.program).bed_hold_hours is None
    client.post(url, {"record_numbers": "entered", "bed_hold_hours": "6"})
    assert settings_for(unit.program).bed_hold_hours == 6
    event = AuditEvent.objects.get(event="intake.settings_changed")
    assert event.changes["bed_hold_hours"] == [None, "6"]
    assert NAME not in [u.name for u in unset_parameters(unit.program)]
