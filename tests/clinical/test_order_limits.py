"""An order may only tighten a limit: never loosen one the policy sets."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detoxdesk.clinical.medication_policy import Parameter, default_policy
from detoxdesk.clinical.order_limits import (
    LOWER_IS_STRICTER,
    ORDER_SOURCE,
    tighten,
    with_order_limits,
)

SHIPPED = Parameter("max_dose_mg", "mg", Decimal(8), source="asam-2020", declared=True)
UNSET = Parameter("max_dose_mg", "mg", declared=True)


@pytest.mark.parametrize(
    ("parameter", "value", "lower", "expected", "source"),
    [
        (SHIPPED, None, True, Decimal(8), "asam-2020"),  # the order sets nothing
        (SHIPPED, 4, True, Decimal(4), ORDER_SOURCE),  # a lower cap tightens
        (SHIPPED, 8, True, Decimal(8), "asam-2020"),  # the same value changes nothing
        (SHIPPED, 12, True, Decimal(8), "asam-2020"),  # a higher cap would loosen: ignored
        (SHIPPED, 12, False, Decimal(12), ORDER_SOURCE),  # a longer interval tightens
        (SHIPPED, 4, False, Decimal(8), "asam-2020"),  # a shorter one would loosen: ignored
        (UNSET, 12, True, Decimal(12), ORDER_SOURCE),  # the policy has none: the order's applies
        (UNSET, None, False, None, None),
    ],
)
def test_tighten(
    parameter: Parameter,
    value: int | None,
    lower: bool,
    expected: Decimal | None,
    source: str | None,
) -> None:
    result = tighten(parameter, value, lower=lower)
    assert (result.value, result.source) == (expected, source)


values = st.none() | st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False)


@given(policy_value=values, order_value=values, lower=st.booleans())
def test_an_order_never_loosens_a_limit(
    policy_value: Decimal | None, order_value: Decimal | None, lower: bool
) -> None:
    parameter = Parameter("limit", "mg", policy_value, source="asam-2020", declared=True)
    result = tighten(parameter, order_value, lower=lower).value
    if policy_value is not None:
        assert result is not None
        assert result <= policy_value if lower else result >= policy_value
    if order_value is not None:
        # What applies is at least as strict as the order asks.
        assert result is not None
        assert result <= order_value if lower else result >= order_value
    assert result in {policy_value, order_value}


DRUG = "buprenorphine"


@given(
    limits=st.fixed_dictionaries(
        {name: st.none() | st.integers(min_value=0, max_value=2_000) for name in LOWER_IS_STRICTER}
    )
)
def test_the_policy_with_an_orders_limits_is_never_looser(limits: dict[str, int | None]) -> None:
    policy = default_policy()
    before = policy.rules(DRUG).limits
    after = with_order_limits(policy, DRUG, limits).rules(DRUG).limits
    for name, lower in LOWER_IS_STRICTER.items():
        old, new = getattr(before, name).value, getattr(after, name).value
        if old is not None:
            assert new is not None
            assert new <= old if lower else new >= old


def test_only_the_order_limits_change() -> None:
    policy = default_policy()
    changed = with_order_limits(policy, DRUG, {"max_dose_mg": 1}).rules(DRUG).limits
    assert changed.max_dose_mg.value == Decimal(1)
    assert changed.ecg_max_age_days == policy.rules(DRUG).limits.ecg_max_age_days


def test_an_unknown_limit_name_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        with_order_limits(default_policy(), DRUG, {"max_weight_kg": 1})


def test_an_order_cap_above_the_policy_cap_is_ignored_through_the_policy() -> None:
    # lofexidine: the policy caps a single dose at 0.72 mg (medications.toml); an order of 1 mg
    # would loosen it, an order of 0.36 mg tightens it.
    policy = default_policy()
    looser = with_order_limits(policy, "lofexidine", {"max_dose_mg": 1}).rules("lofexidine")
    assert (looser.limits.max_dose_mg.value, looser.limits.max_dose_mg.source) == (
        policy.rules("lofexidine").limits.max_dose_mg.value,
        policy.rules("lofexidine").limits.max_dose_mg.source,
    )
    tighter = with_order_limits(policy, "lofexidine", {"max_dose_mg": Decimal("0.36")})
    assert tighter.rules("lofexidine").limits.max_dose_mg.value == Decimal("0.36")


def test_an_order_hold_equal_to_the_policy_hold_keeps_the_policy_source() -> None:
    # clonidine: the policy holds a dose below a systolic of 90 (medications.toml).
    policy = default_policy()
    same = with_order_limits(policy, "clonidine", {"hold_systolic_below": 90})
    hold = same.rules("clonidine").limits.hold_systolic_below
    assert (hold.value, hold.source) == (
        Decimal(90),
        policy.rules("clonidine").limits.hold_systolic_below.source,
    )
    assert hold.source != ORDER_SOURCE
