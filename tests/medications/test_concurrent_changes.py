"""Two prescribers changing the same order, or two people saving an episode's first medication
facts, at the same moment (PostgreSQL, one thread each): one change is saved, the other gets the
message naming it, never a server error or a second current version."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from detoxdesk.medications import actions
from detoxdesk.medications.models import Order, PatientFacts
from factories import Unit, make_user
from factories_medications import sign_prn

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(*calls: Callable[[], object]) -> list[str]:
    """Run ``calls`` in threads released together; what each one ended with."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            call()
            outcomes.append("saved")
        except ValidationError as exc:
            outcomes.append("refused: " + " ".join(exc.messages))
        except Exception as exc:  # an IntegrityError is the failure these tests are about
            outcomes.append(f"error: {exc!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL: SQLite serialises every write.")


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
