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
