"""Benzodiazepine tapers in the product (SPEC A7): drafting, the step warnings, holds, the
diazepam-equivalent table (ships unset; director, version check, audit) and the go-live list."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from detoxdesk.audit.models import AuditEvent
from detoxdesk.patients.golive import unset_parameters
from detoxdesk.tapers import actions, orders
from detoxdesk.tapers.models import TaperPlan, TaperSettings

pytestmark = pytest.mark.django_db
TABLE = "Benzodiazepine tapers: diazepam-equivalent table (a source on every row)"
EQUIVALENTS = reverse("tapers:diazepam_equivalents")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2026-03-02 09:00 -05:00", tick=False):
        yield


def draft(unit, **values):
    base = {
        "kind": "benzodiazepine",
        "start_date": date(2026, 3, 2),
        "current_daily_dose": Decimal("20"),
        "increment": Decimal("1"),
        "drug": "Diazepam ",
        "step_percent": Decimal("10"),
        "step_days": 14,
    }
    return actions.do_draft_plan(unit.episode, acting_user=unit.prescriber, **{**base, **values})


def codes(plan: TaperPlan) -> list[str]:
    return [finding["code"] for finding in plan.findings]


def test_it_drafts_a_benzodiazepine_taper_from_the_engine(unit):
    plan = draft(unit)
    assert plan.kind == "benzodiazepine" and plan.drug == "diazepam"
    assert plan.steps[0]["daily_dose"] == "20" and plan.steps[14]["daily_dose"] == "18"
    assert plan.steps[-1]["daily_dose"] == "0"
    assert plan.parameters["step_percent"] == "10" and plan.parameters["step_days"] == 14
    assert not orders.drives_order(plan)
    assert any("No diazepam-equivalent table" in note for note in plan.notes)


def test_fast_steps_are_warnings_that_signing_must_acknowledge(unit):
    plan = draft(unit, step_percent=Decimal("25"), step_days=7)
    assert codes(plan) == ["benzodiazepine_step_too_fast", "benzodiazepine_step_far_too_fast"]
    with pytest.raises(ValidationError) as exc:
        actions.do_sign_plan(plan, acting_user=unit.prescriber)
    assert "acknowledged" in exc.value.error_dict
    signed = actions.do_sign_plan(plan, acting_user=unit.prescriber, acknowledged=True)
    assert signed.status == TaperPlan.Status.ACTIVE and signed.order_uuid is None


def test_straight_to_zero_is_a_stop_that_refuses_signing(unit):
    plan = draft(unit, step_percent=Decimal("100"))
    assert codes(plan)[0] == "abrupt_taper"
    with pytest.raises(ValidationError):
        actions.do_sign_plan(plan, acting_user=unit.prescriber, acknowledged=True)


def test_it_names_the_missing_fields(unit):
    with pytest.raises(ValidationError) as exc:
        draft(unit, drug="", step_percent=None, step_days=None)
    assert {"drug", "step_percent", "step_days"} <= set(exc.value.error_dict)
    assert not TaperPlan.objects.exists()


def test_a_pause_moves_the_steps_later(unit):
    plan = draft(unit)
    plan = actions.do_sign_plan(plan, acting_user=unit.prescriber, acknowledged=True)
    held = actions.do_hold_plan(
        plan, acting_user=unit.prescriber, from_date=date(2026, 3, 16), reason="Anxious"
    )
    with time_machine.travel("2026-03-20 09:00 -05:00", tick=False):
        resumed = actions.do_resume_plan(
            held, acting_user=unit.prescriber, resume_on=date(2026, 3, 21), reason="Settled"
        )
    first_step = next(s for s in resumed.steps if s["daily_dose"] == "18")
    assert first_step["date"] == "2026-03-21"


def test_the_table_ships_unset_and_is_on_the_go_live_list(unit):
    assert TABLE in {item.name for item in unset_parameters(unit.program)}
    actions.do_set_diazepam_equivalents(
        unit.program,
        acting_user=unit.director,
        rows=[{"drug": "Diazepam", "diazepam_per_unit": Decimal("1"), "source": "Table 2, p. 4"}],
        read_version=0,
    )
    assert TABLE not in {item.name for item in unset_parameters(unit.program)}


def test_setting_the_table_is_versioned_and_audited(unit):
    row = {"drug": "diazepam", "diazepam_per_unit": Decimal("1"), "source": "Table 2"}
    rules = actions.do_set_diazepam_equivalents(
        unit.program, acting_user=unit.director, rows=[row], read_version=0
    )
    assert rules.diazepam_equivalents_version == 1
    assert rules.diazepam_equivalents == [
        {"drug": "diazepam", "diazepam_per_unit": "1", "source": "Table 2"}
    ]
    assert AuditEvent.objects.filter(event="taper.diazepam_equivalents_set").count() == 1
    with pytest.raises(ValidationError, match="Someone else changed the table"):
        actions.do_set_diazepam_equivalents(
            unit.program, acting_user=unit.director, rows=[], read_version=0
        )
    assert TaperSettings.objects.get(program=unit.program).diazepam_equivalents_version == 1
    plan = draft(unit)
    assert any("about 20 mg of diazepam" in note and "Table 2" in note for note in plan.notes)


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ({"drug": "", "diazepam_per_unit": Decimal("1"), "source": "x"}, "name the drug"),
        ({"drug": "a", "diazepam_per_unit": None, "source": "x"}, "number above zero"),
        ({"drug": "a", "diazepam_per_unit": Decimal("0"), "source": "x"}, "number above zero"),
        ({"drug": "a", "diazepam_per_unit": Decimal("1"), "source": " "}, "its source"),
    ],
)
def test_a_bad_row_is_refused_and_nothing_saved(unit, row, problem):
    with pytest.raises(ValidationError) as exc:
        actions.do_set_diazepam_equivalents(
            unit.program, acting_user=unit.director, rows=[row], read_version=0
        )
    assert problem in " ".join(exc.value.error_dict["rows"][0].messages)
    assert not TaperSettings.objects.exists()


def test_only_a_director_sets_the_table(unit):
    with pytest.raises(PermissionDenied):
        actions.do_set_diazepam_equivalents(
            unit.program, acting_user=unit.prescriber, rows=[], read_version=0
        )


@pytest.mark.parametrize("persona", ["prescriber", "nurse", "outsider"])
def test_the_table_page_refuses_anyone_but_a_director(unit, as_user, persona):
    assert as_user(getattr(unit, persona)).get(EQUIVALENTS).status_code == 403


def test_the_table_page_saves_lines_and_names_a_bad_line(unit, as_user):
    client = as_user(unit.director)
    page = client.get(EQUIVALENTS)
    assert "Not set" in page.content.decode()
    bad = client.post(EQUIVALENTS, {"rows": "diazepam 1 Table 2", "read_version": "0"})
    assert "Line 1" in " ".join(bad.context["form"].errors["rows"])
    saved = client.post(EQUIVALENTS, {"rows": "Diazepam | 1 | Table 2\n\n", "read_version": "0"})
    assert saved.status_code == 302
    rules = TaperSettings.objects.get(program=unit.program)
    assert rules.diazepam_equivalents[0]["drug"] == "diazepam"
    stale = client.post(EQUIVALENTS, {"rows": "", "read_version": "0"})
    assert "Someone else changed the table" in stale.content.decode()


def test_the_new_plan_page_drafts_a_benzodiazepine_taper(unit, as_user):
    url = reverse("tapers:new", args=[unit.episode.uuid])
    page = as_user(unit.prescriber).get(url)
    assert "Benzodiazepine taper" in page.content.decode()
    response = as_user(unit.prescriber).post(
        url,
        {
            "kind": "benzodiazepine",
            "start_date": "2026-03-02",
            "current_daily_dose": "20",
            "unit": "mg",
            "increment": "1",
            "benzodiazepine": "clonazepam",
            "step_percent": "10",
            "step_days": "14",
            "of": "original",
        },
    )
    assert response.status_code == 302
    plan = TaperPlan.objects.get()
    assert plan.drug == "clonazepam" and plan.kind == "benzodiazepine"
    detail = as_user(unit.prescriber).get(reverse("tapers:plan", args=[plan.uuid]))
    assert "10 % of the dose before, every 14 days" in detail.content.decode()
