"""Two prescribers changing the same order, or two people saving an episode's first medication
facts, at the same moment (PostgreSQL, one thread each): one change is saved, the other gets the
message naming it, never a server error or a second current version."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from detoxdesk.medications import actions
from detoxdesk.medications.models import Order, PatientFacts
from factories import Unit, make_user
from factories_medications import sign_prn
from threads import at_once, needs_postgresql

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_simultaneous_order_changes_sign_one_version():
    needs_postgresql()
    unit = Unit()
    other = make_user("prescriber", unit.ward, username="prescriber2")
    line = sign_prn(unit.episode, unit.prescriber, "loperamide", "2", "diarrhoea").line

    def change(user, dose: int) -> Callable[[], object]:
        return lambda: actions.do_modify_order(
            line, acting_user=user, reason="r", read_version=1, dose_mg=Decimal(dose)
        )

    outcomes = at_once(change(unit.prescriber, 4), change(other, 1))
    assert outcomes[1] == "saved"
    assert outcomes[0].startswith("refused: ") and "version 2" in outcomes[0]
    assert Order.objects.filter(line=line).count() == 2
    assert Order.objects.filter(line=line, superseded_at=None).count() == 1


def test_two_simultaneous_first_facts_save_one():
    needs_postgresql()
    unit = Unit()

    def save(user, qtc: int) -> Callable[[], object]:
        return lambda: actions.do_update_facts(
            unit.episode, acting_user=user, read_mark="", qtc_ms=qtc
        )

    outcomes = at_once(save(unit.nurse, 450), save(unit.prescriber, 460))
    assert outcomes[1] == "saved"
    assert outcomes[0].startswith("refused: ") and "not saved" in outcomes[0]
    assert PatientFacts.objects.filter(episode=unit.episode).count() == 1
