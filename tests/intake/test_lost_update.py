"""Two people edit the same treatment plan at once: the second save is refused, names the first
person's change, and the plan keeps it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from detoxdesk.intake import actions
from factories import make_patient
from factories_intake import make_evaluation

pytestmark = pytest.mark.django_db


def test_it_refuses_a_stale_plan_save_and_names_the_other_change(unit, clock):
    newcomer = make_patient(unit.program, registered_at=unit.ward)
    evaluation = make_evaluation(newcomer, unit.ward, unit.nurse, complete=True)
    plan = actions.do_draft_plan(evaluation, acting_user=unit.nurse)
    url = reverse("intake:plan", kwargs={"plan_uuid": plan.uuid})
    first, second = Client(), Client()
    first.force_login(unit.counselor)
    second.force_login(unit.prescriber)
    read = second.get(url).context["form"]["read_mark"].value()
    data = {"problems": "P", "goals": "G", "interventions": "I", "read_mark": read}
    clock.shift(60)
    assert first.post(url, {**data, "medication_pathway": "buprenorphine"}).status_code == 302
    response = second.post(url, {**data, "medication_pathway": "methadone"})
    assert response.status_code == 400
    message = " ".join(response.context["form"].non_field_errors())
    assert unit.counselor.display_name in message and "medication pathway" in message
    plan.refresh_from_db()
    assert plan.medication_pathway == "buprenorphine"
