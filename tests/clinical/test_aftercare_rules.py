"""The discharge bundle, the follow-up schedule and the loaders behind them, at their edges."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from detoxdesk.clinical import aftercare, knowledge
from detoxdesk.clinical.errors import InvalidInput, KnowledgeError

# code: (label, not applicable allowed, with OUD, source, basis), as aftercare.toml ships them.
BUNDLE = {
    "moud": ("MOUD offered or continued", True, False, "asam-2020", "spec_default"),
    "naloxone": ("Naloxone dispensed or prescribed", False, True, "asam-2020", "spec_default"),
    "overdose_education": (
        "Overdose and lost-tolerance education",
        False,
        True,
        "nida-ed-2018",
        "spec_default",
    ),
    "warm_handoff": ("Warm hand-off appointment", True, True, "nida-ed-2018", "spec_default"),
    "referrals": (
        "Referrals (therapy, mutual help, sober living, peer support)",
        True,
        True,
        None,
        "product_requirement",
    ),
    "crisis_numbers": (
        "Crisis numbers given (988, SAMHSA National Helpline, 911)",
        False,
        True,
        None,
        "spec_implementation_notes",
    ),
}


def test_the_bundle_is_the_one_spec_lists_in_order() -> None:
    items = aftercare.bundle_items()
    assert list(items) == list(BUNDLE)
    found = {
        code: (r.label, r.allow_not_applicable, r.allow_not_applicable_with_oud, r.source, r.basis)
        for code, r in items.items()
    }
    assert found == BUNDLE
    assert all(code == rule.code for code, rule in items.items())


STATE = aftercare.ItemState


@pytest.mark.parametrize(
    ("code", "state", "problem"),
    [
        ("naloxone", STATE("done"), None),
        ("naloxone", STATE("done", "given at the desk"), None),
        ("naloxone", STATE("declined", "Has two kits"), None),
        ("naloxone", STATE("declined", "   "), "Give the reason."),
        (
            "naloxone",
            STATE("not_applicable", "left early"),
            "Offered to every patient: record it as done or declined (with the reason).",
        ),
        ("naloxone", STATE("open"), "Not yet done, declined or marked not applicable."),
        ("naloxone", STATE("skipped"), "Must be one of open, done, declined, not_applicable."),
        ("referrals", STATE("not_applicable", "Has a therapist"), None),
        ("referrals", STATE("not_applicable", ""), "Give the reason."),
        ("referrals", STATE("not_applicable", " \t"), "Give the reason."),
    ],
)
def test_an_item_is_resolved_only_as_its_rule_allows(
    code: str, state: aftercare.ItemState, problem: str | None
) -> None:
    rule = aftercare.bundle_items()[code]
    assert aftercare.item_problem(rule, state) == problem
    assert aftercare.item_problem(rule, state, opioid_use_disorder=True) == problem


def test_moud_with_oud_names_why_it_cannot_be_not_applicable() -> None:
    rule = aftercare.bundle_items()["moud"]
    problem = aftercare.item_problem(rule, STATE("not_applicable", "x"), opioid_use_disorder=True)
    assert problem == (
        "Opioid use disorder is recorded: offer it, and record it as accepted (done) "
        "or declined (with the reason), never as not applicable."
    )
    assert rule.not_applicable_allowed(opioid_use_disorder=False) is True
    assert rule.not_applicable_allowed(opioid_use_disorder=True) is False


def test_a_missing_item_counts_as_open() -> None:
    done = {code: STATE("done") for code in aftercare.BUNDLE_CODES}
    assert aftercare.bundle_problems(done) == {}
    del done["warm_handoff"]
    assert aftercare.bundle_problems(done) == {
        "warm_handoff": "Not yet done, declined or marked not applicable."
    }
    assert list(aftercare.bundle_problems({})) == list(BUNDLE)


def test_with_oud_moud_marked_not_applicable_keeps_the_discharge_open() -> None:
    states = {code: STATE("done") for code in aftercare.BUNDLE_CODES}
    states["moud"] = STATE("not_applicable", "no OUD")
    assert aftercare.bundle_problems(states) == {}
    assert list(aftercare.bundle_problems(states, opioid_use_disorder=True)) == ["moud"]


# --- Follow-ups -----------------------------------------------------------------------------------


def test_the_default_follow_up_days() -> None:
    assert aftercare.default_follow_up_days() == (3, 7, 30, 90)


@pytest.mark.parametrize(
    ("days", "problem"),
    [
        ((3, 7, 30, 90), None),
        ([1], None),
        ((), "Give at least one day."),
        ([], "Give at least one day."),
        ("3,7", "Give at least one day."),
        (None, "Give at least one day."),
        ((0, 3), "Each must be a whole number of days above 0."),
        ((-1,), "Each must be a whole number of days above 0."),
        ((3, 7.0), "Each must be a whole number of days above 0."),
        ((True, 3), "Each must be a whole number of days above 0."),
        ((7, 3), "List the days in rising order, each once."),
        ((3, 3, 7), "List the days in rising order, each once."),
    ],
)
def test_a_follow_up_schedule_is_whole_rising_days(days: Any, problem: str | None) -> None:
    assert aftercare.follow_up_days_problem(days) == problem


def test_the_schedule_counts_from_the_day_of_discharge() -> None:
    assert aftercare.follow_up_schedule(date(2025, 3, 1), (1, 3, 30)) == (
        (1, date(2025, 3, 2)),
        (3, date(2025, 3, 4)),
        (30, date(2025, 3, 31)),
    )


def test_a_bad_schedule_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        aftercare.follow_up_schedule(date(2025, 3, 1), (7, 3))
    assert caught.value.fields == {"follow_up_days": "List the days in rising order, each once."}
    assert caught.value.message == "List the days in rising order, each once."


DUE = date(2025, 3, 10)


@pytest.mark.parametrize(
    ("today", "grace", "status", "overdue"),
    [
        (date(2025, 3, 9), None, "upcoming", 0),
        (DUE, None, "due", 0),
        (date(2025, 3, 11), None, "overdue", 1),
        (date(2025, 3, 14), None, "overdue", 4),
        (date(2025, 3, 9), 2, "upcoming", 0),
        (DUE, 2, "due", 0),
        (date(2025, 3, 12), 2, "due", 0),
        (date(2025, 3, 13), 2, "overdue", 1),
        (date(2025, 3, 11), 0, "overdue", 1),
    ],
)
def test_a_follow_up_is_due_from_its_day_through_the_grace(
    today: date, grace: int | None, status: str, overdue: int
) -> None:
    state = aftercare.follow_up_state(DUE, today, recorded=False, grace_days=grace)
    assert (state.status, state.days_overdue) == (status, overdue)


def test_a_recorded_follow_up_is_done_whenever() -> None:
    for today in (date(2025, 3, 1), DUE, date(2025, 4, 1)):
        state = aftercare.follow_up_state(DUE, today, recorded=True, grace_days=None)
        assert (state.status, state.days_overdue) == ("done", 0)


# --- Malformed knowledge is refused, naming the file ----------------------------------------------


def with_aftercare(monkeypatch: pytest.MonkeyPatch, **sections: Any) -> None:
    """Make ``aftercare.toml`` read as shipped with ``sections`` replaced (caches are fresh)."""
    original = knowledge.read_toml

    def read_toml(name: str) -> dict[str, Any]:
        data = original(name)
        return {**data, **sections} if name == "aftercare" else data

    monkeypatch.setattr(knowledge, "read_toml", read_toml)


@pytest.mark.parametrize(
    ("section", "value", "message"),
    [
        ("warm_handoff", {"hours": 0, "unit": "h", "source": "nida-ed-2018"}, "above 0"),
        ("warm_handoff", {"hours": 72.0, "unit": "h", "source": "nida-ed-2018"}, "whole hours"),
        ("warm_handoff", {"hours": 3, "unit": "d", "source": "nida-ed-2018"}, "whole hours"),
        ("warm_handoff", {"unit": "h", "source": "nida-ed-2018"}, "missing or malformed"),
    ],
)
def test_a_malformed_warm_handoff_is_refused(
    monkeypatch: pytest.MonkeyPatch, section: str, value: Any, message: str
) -> None:
    with_aftercare(monkeypatch, **{section: {**value, "confidence": "C"}})
    with pytest.raises(KnowledgeError, match=r"aftercare\.toml \[warm_handoff\]") as caught:
        aftercare.warm_handoff_window()
    assert message in str(caught.value)


def test_a_one_hour_window_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    with_aftercare(
        monkeypatch,
        warm_handoff={"hours": 1, "unit": "h", "source": "nida-ed-2018", "confidence": "C"},
    )
    window = aftercare.warm_handoff_window()
    assert (window.length.total_seconds(), window.source, window.confidence) == (
        3600,
        "nida-ed-2018",
        "C",
    )


@pytest.mark.parametrize(
    ("follow_up", "message"),
    [
        ({"days": [7, 3]}, "aftercare.toml [follow_up]: List the days in rising order, each once."),
        ({}, "aftercare.toml [follow_up]: missing or malformed"),
        ({"days": 3}, "aftercare.toml [follow_up]: missing or malformed"),
    ],
)
def test_a_malformed_follow_up_schedule_is_refused(
    monkeypatch: pytest.MonkeyPatch, follow_up: Any, message: str
) -> None:
    with_aftercare(monkeypatch, follow_up=follow_up)
    with pytest.raises(KnowledgeError) as caught:
        aftercare.default_follow_up_days()
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("drugs", "message"),
    [
        (["lofexidine", ""], "aftercare.toml [inpatient_only]: drugs must be a list of codes"),
        ("lofexidine", "aftercare.toml [inpatient_only]: drugs must be a list of codes"),
        (["lofexidine", 3], "aftercare.toml [inpatient_only]: drugs must be a list of codes"),
    ],
)
def test_malformed_drug_lists_are_refused(
    monkeypatch: pytest.MonkeyPatch, drugs: Any, message: str
) -> None:
    with_aftercare(monkeypatch, inpatient_only={"drugs": drugs})
    with pytest.raises(KnowledgeError) as caught:
        aftercare.inpatient_only_drugs()
    assert str(caught.value) == message


def test_a_missing_drug_list_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with_aftercare(monkeypatch, moud_bridge={"basis": "product_requirement"})
    with pytest.raises(
        KnowledgeError, match=r"^aftercare\.toml \[moud_bridge\]: missing or malformed"
    ):
        aftercare.bridge_drugs()


def test_a_bundle_item_without_a_source_has_no_basis_unless_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    items = dict(knowledge.read_toml("aftercare")["items"])
    items["referrals"] = {"label": "Referrals", "allow_not_applicable": True}
    items["moud"] = {"label": "MOUD", "allow_not_applicable": 1, "source": "asam-2020"}
    with_aftercare(monkeypatch, items=items)
    rules = aftercare.bundle_items()
    assert (rules["referrals"].basis, rules["referrals"].source) == ("", None)
    assert rules["referrals"].allow_not_applicable_with_oud is True
    assert rules["moud"].allow_not_applicable is True
    assert rules["moud"].allow_not_applicable_with_oud is True
    assert rules["moud"].basis == "spec_default"


def test_a_bundle_item_without_a_label_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    items = dict(knowledge.read_toml("aftercare")["items"])
    items["naloxone"] = {"allow_not_applicable": False, "source": "asam-2020"}
    with_aftercare(monkeypatch, items=items)
    with pytest.raises(KnowledgeError, match="aftercare.toml: missing or malformed entry 'label'"):
        aftercare.bundle_items()
