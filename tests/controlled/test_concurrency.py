"""Two nurses drawing the last unit at the same moment, on PostgreSQL: exactly one draw."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from detoxdesk.controlled.models import DoseDraw, Entry, Stock
from detoxdesk.medications.actions import StockDraw
from detoxdesk.medications.models import Administration
from factories import Unit, make_episode, make_user
from factories_controlled import give, methadone_order, stocked

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_nurses_drawing_the_last_units_leave_exactly_one_draw():
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL: SQLite serialises every write.")
    unit = Unit()
    location, lot = stocked(unit, "2")  # one 20 mg dose of methadone 10 mg/mL
    second_nurse = make_user("nurse", unit.ward)
    other_episode = make_episode(unit.ward)
    orders = [
        methadone_order(unit.episode, unit.prescriber, "20"),
        methadone_order(other_episode, unit.prescriber, "20"),
    ]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def draw(order, nurse) -> None:
        try:
            barrier.wait()
            give(order, nurse, draw=StockDraw(location, lot))
            outcomes.append("drawn")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=draw, args=(order, nurse))
        for order, nurse in zip(orders, (unit.nurse, second_nurse), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("drawn") == 1
    refused = next(outcome for outcome in outcomes if outcome != "drawn")
    assert "cannot be drawn" in refused
    assert DoseDraw.objects.count() == 1
    assert Administration.objects.count() == 1
    assert Entry.objects.filter(kind="administration").count() == 1
    assert Stock.objects.get(location=location, lot=lot).units == Decimal(0)


def test_a_receipt_racing_the_location_going_out_of_use_never_leaves_stock_in_it():
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL: SQLite serialises every write.")
    from detoxdesk.controlled import actions
    from detoxdesk.controlled.models import Location
    from factories_controlled import make_location, receive

    unit = Unit()
    _cart, lot = stocked(unit, "2")
    safe = make_location(unit.ward, unit.director, name="Safe", kind="safe")
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def run(name, act) -> None:
        try:
            barrier.wait()
            act()
            outcomes[name] = "done"
        except ValidationError as exc:
            outcomes[name] = " ".join(exc.messages)
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=run, args=("receipt", lambda: receive(safe, lot.product, unit.nurse, "5"))
        ),
        threading.Thread(
            target=run,
            args=(
                "deactivate",
                lambda: actions.do_set_location_active(safe, user=unit.director, active=False),
            ),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert list(outcomes.values()).count("done") == 1
    safe = Location.objects.get(pk=safe.pk)
    held = sum((row.units for row in Stock.objects.filter(location=safe)), Decimal(0))
    if safe.active:
        assert held == Decimal(5) and "balance must be zero" in outcomes["deactivate"]
    else:
        assert held == 0 and "no longer in use" in outcomes["receipt"]
