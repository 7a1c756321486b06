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


def test_it_refuses_a_stale_evaluation_draft_and_shows_the_other_answers(unit, clock):
    newcomer = make_patient(unit.program, registered_at=unit.ward)
    evaluation = actions.do_start_evaluation(newcomer, unit.ward, acting_user=unit.nurse)
    url = reverse("intake:evaluation_edit", kwargs={"evaluation_uuid": evaluation.uuid})
    first, second = Client(), Client()
    first.force_login(unit.nurse)
    second.force_login(unit.prescriber)
    read_first = first.get(url).context["form"]["read_mark"].value()
    read_second = second.get(url).context["form"]["read_mark"].value()
    clock.shift(60)
    saved = first.post(url, {"save": "", "read_mark": read_first, "liver": "Cirrhosis"})
    assert saved.status_code == 302
    response = second.post(url, {"save": "", "read_mark": read_second, "liver": "None known"})
    assert response.status_code == 200  # the form again, not the redirect of a save
    message = " ".join(response.context["form"].non_field_errors())
    assert unit.nurse.display_name in message and "liver" in message
    assert "not saved" in message
    assert response.context["form"]["liver"].value() == "Cirrhosis"  # their answer, shown
    evaluation.refresh_from_db()
    assert evaluation.answers["liver"] == "Cirrhosis"
    # Saving again from the form as it now stands works.
    again = response.context["form"]["read_mark"].value()
    assert second.post(url, {"save": "", "read_mark": again, "liver": "Fine"}).status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.answers["liver"] == "Fine"
