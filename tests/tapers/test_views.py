from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from detoxdesk.audit.models import AuditEvent
from detoxdesk.tapers import actions
from detoxdesk.tapers.models import TaperPlan
from factories_tapers import make_methadone_plan, make_signed_plan, set_thresholds

TODAY = date(2026, 3, 2)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2026-03-02 09:00 -05:00", tick=False):
        yield


def plan_url(name, plan, *extra):
    return reverse(f"tapers:{name}", args=[plan.uuid, *extra])


PLAN_PAGES = ["plan", "calendar", "sign", "hold", "resume", "cancel"]


@pytest.mark.parametrize("name", PLAN_PAGES)
def test_it_sends_anonymous_visitors_to_sign_in(unit, client, name):
    response = client.get(plan_url(name, make_methadone_plan(unit)))
    assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]


@pytest.mark.parametrize("name", PLAN_PAGES)
def test_it_hides_plans_from_outsiders(unit, as_user, name):
    assert as_user(unit.outsider).get(plan_url(name, make_methadone_plan(unit))).status_code == 404


@pytest.mark.parametrize("name", ["sign", "hold", "resume", "cancel"])
def test_it_refuses_plan_changes_to_a_nurse(unit, as_user, name):
    plan = make_methadone_plan(unit)
    client = as_user(unit.nurse)
    assert client.get(plan_url(name, plan)).status_code == 403
    assert client.post(plan_url(name, plan), {"acknowledged": "on"}).status_code == 403
    plan.refresh_from_db()
    assert plan.status == TaperPlan.Status.DRAFT


def test_it_lets_a_nurse_view_the_plan_and_calendar_without_sign_buttons(unit, as_user):
    plan = make_methadone_plan(unit)
    client = as_user(unit.nurse)
    body = client.get(plan_url("plan", plan)).content.decode()
    assert "Methadone withdrawal taper" in body and "Sign plan" not in body
    assert client.get(plan_url("calendar", plan)).status_code == 200
    assert AuditEvent.objects.filter(event="taper.viewed", actor=unit.nurse).count() == 2


def test_it_refuses_the_new_plan_page_to_a_nurse_and_outsider(unit, as_user, client):
    url = reverse("tapers:new", args=[unit.episode.uuid])
    assert client.get(url).status_code == 302
    assert as_user(unit.outsider).get(url).status_code == 404
    assert as_user(unit.nurse).get(url).status_code == 403


def test_it_drafts_a_plan_from_the_form(unit, as_user):
    url = reverse("tapers:new", args=[unit.episode.uuid])
    response = as_user(unit.prescriber).post(
        url,
        {
            "kind": "methadone",
            "start_date": "2026-03-02",
            "current_daily_dose": "30",
            "unit": "mg",
            "increment": "5",
            "days": "6",
            "of": "original",
        },
    )
    plan = TaperPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == plan_url("plan", plan)
    assert plan.steps[-1]["date"] == "2026-03-08"


def test_it_shows_the_engines_refusal_next_to_the_field(unit, as_user):
    url = reverse("tapers:new", args=[unit.episode.uuid])
    response = as_user(unit.prescriber).post(
        url,
        {
            "kind": "methadone",
            "start_date": "2026-03-02",
            "current_daily_dose": "30",
            "unit": "mg",
            "increment": "5",
            "days": "3",
        },
    )
    assert response.status_code == 200
    assert "Must be within 6-10 days" in response.context["form"].errors["days"][0]
    assert TaperPlan.objects.count() == 0


def test_it_shows_the_schedule_chart_and_history(unit, as_user):
    plan = make_signed_plan(unit)
    body = as_user(unit.prescriber).get(plan_url("plan", plan)).content.decode()
    assert body.count('<rect class="bar') == 7
    assert "Signed" in body and "Test prescriber" in body
    assert "Set a hold threshold" in body
    assert "style=" not in body


def test_it_flags_the_next_reduction_on_the_plan_page(unit, as_user):
    plan = make_signed_plan(unit)
    set_thresholds(unit, cows=8)
    actions.do_report_hard_day(plan, acting_user=unit.nurse)
    body = as_user(unit.prescriber).get(plan_url("plan", plan)).content.decode()
    assert "is flagged: consider holding" in body
    assert 'class="bar flagged"' in body


def test_it_edits_a_step_through_the_page(unit, as_user):
    plan = make_methadone_plan(unit)
    url = plan_url("edit_step", plan, "2026-03-04")
    client = as_user(unit.prescriber)
    response = client.post(url, {"new_dose": "27", "reason": ""})
    assert "whole multiple" in response.context["form"].errors["new_dose"][0]
    response = client.post(url, {"new_dose": "25", "reason": ""})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.steps[2]["daily_dose"] == "25"


def test_it_refuses_a_day_outside_the_plan(unit, as_user):
    plan = make_methadone_plan(unit)
    client = as_user(unit.prescriber)
    assert client.get(plan_url("edit_step", plan, "2027-01-01")).status_code == 404
    assert client.get(plan_url("edit_step", plan, "nonsense")).status_code == 404


def test_it_holds_and_resumes_through_the_pages(unit, as_user):
    plan = make_signed_plan(unit)
    client = as_user(unit.prescriber)
    hold = client.get(plan_url("hold", plan))
    assert hold.context["form"].initial["from_date"] == TODAY + timedelta(days=1)
    client.post(plan_url("hold", plan), {"from_date": "2026-03-03", "reason": "COWS 14"})
    resume = client.post(plan_url("resume", plan), {"resume_on": "2026-03-04", "reason": "ok"})
    assert resume.status_code == 302
    body = client.get(plan_url("calendar", plan)).content.decode()
    # The last day moved from Sun 8 to Mon 9 March (calendar rows name the day without the year).
    assert '<th scope="row">Mon 9 Mar</th>' in body


def test_it_prints_the_calendar_with_warnings_naloxone_and_crisis_lines(unit, as_user):
    plan = make_signed_plan(unit)
    body = as_user(unit.counselor).get(plan_url("calendar", plan)).content.decode()
    for text in ("Tolerance falls quickly", "Naloxone reverses", "988", "When withdrawal is hard"):
        assert text in body
    assert '<th scope="row">Sun 8 Mar</th>' in body


def test_it_shows_the_active_plan_on_the_chart(unit, as_user, django_assert_max_num_queries):
    make_signed_plan(unit)
    client = as_user(unit.nurse)
    client.get(reverse("patients:chart", args=[unit.patient.uuid]))
    with django_assert_max_num_queries(40):
        body = client.get(reverse("patients:chart", args=[unit.patient.uuid])).content.decode()
    assert "Methadone withdrawal taper" in body and "Next reduction" in body
    assert "Plan a taper" not in body


def test_it_offers_a_prescriber_to_plan_a_taper_on_the_chart(unit, as_user):
    body = as_user(unit.prescriber).get(reverse("patients:chart", args=[unit.patient.uuid]))
    assert "Plan a taper" in body.content.decode()


def test_it_refuses_to_sign_a_withdrawal_taper_without_times_naming_the_field(unit, as_user):
    plan = make_methadone_plan(unit)
    response = as_user(unit.prescriber).post(plan_url("sign", plan), {"acknowledged": "on"})
    assert response.status_code == 200
    assert "times_of_day" in response.context["form"].errors
    assert 'aria-describedby="id_times_of_day' in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == TaperPlan.Status.DRAFT


def test_it_signs_a_taper_with_the_times_given_on_the_sign_form(unit, as_user):
    plan = make_methadone_plan(unit)
    response = as_user(unit.prescriber).post(
        plan_url("sign", plan), {"acknowledged": "on", "times_of_day": "08:00, 20:00"}
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == TaperPlan.Status.ACTIVE and plan.order_uuid is not None
    assert plan.parameters["times_of_day"] == ["08:00", "20:00"]


def test_it_names_the_orders_warnings_on_the_sign_form(unit, as_user):
    plan = make_methadone_plan(unit)  # methadone: the naloxone offer on its order
    response = as_user(unit.prescriber).post(plan_url("sign", plan), {"times_of_day": "08:00"})
    assert response.status_code == 200
    assert "naloxone offer" in response.context["form"].errors["acknowledged"][0]
    plan.refresh_from_db()
    assert plan.status == TaperPlan.Status.DRAFT
