"""Two prescribers change the same taper day at once: the second is told what the first did, and
the plan keeps the first change, not whichever save came last."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from detoxdesk.tapers.models import TaperPlan
from factories import make_user
from factories_tapers import make_methadone_plan

pytestmark = pytest.mark.django_db


def dose_of(plan: TaperPlan, day: str) -> str:
    plan.refresh_from_db()
    return next(s["daily_dose"] for s in plan.steps if s["date"] == day)


def test_it_refuses_a_stale_step_edit_and_shows_the_other_change(unit):
    plan = make_methadone_plan(unit)
    day = plan.steps[2]["date"]
    read = dose_of(plan, day)
    url = reverse("tapers:edit_step", args=[plan.uuid, day])
    first, second = Client(), Client()
    first.force_login(unit.prescriber)
    second.force_login(make_user("prescriber", unit.ward, username="prescriber2"))
    page = second.get(url)
    assert page.context["form"]["read_dose"].value() == read
    lower = str(int(read) - 5)
    response = first.post(url, {"new_dose": lower, "read_dose": read})
    assert response.status_code == 302
    response = second.post(url, {"new_dose": read, "read_dose": read})
    assert response.status_code == 200
    message = response.context["form"].errors["new_dose"][0]
    assert f"it is now {lower}" in message and unit.prescriber.display_name in message
    assert dose_of(plan, day) == lower
    assert response.context["form"]["read_dose"].value() == lower
