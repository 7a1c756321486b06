"""Two coordinators reserving the same bed at the same moment (PostgreSQL, one thread each):
exactly one reservation, the other told who holds the bed, never a server error."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from detoxdesk.audit.models import AuditEvent
from detoxdesk.beds import actions
from detoxdesk.beds.models import Reservation
from detoxdesk.patients.models import Bed
from factories import Unit
from factories_beds import make_bed
from factories_intake import make_inquiry
from threads import at_once, needs_postgresql

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_coordinators_reserving_one_bed_reserve_it_once():
    needs_postgresql()
    unit = Unit()
    bed = make_bed(unit.ward, "B02")
    first = make_inquiry(unit.ward, given_name="Alex", family_name="Rivera")
    second = make_inquiry(unit.ward, given_name="Jo", family_name="Chen")
    until = timezone.now() + timedelta(hours=4)

    def reserve(inquiry, user):
        return lambda: actions.do_reserve_bed(
            inquiry, Bed.objects.get(pk=bed.pk), acting_user=user, expires_at=until
        )

    outcomes = at_once(reserve(first, unit.coordinator), reserve(second, unit.nurse))
    assert outcomes[1] == "saved"
    assert outcomes[0].startswith("refused: Bed B02 is reserved for ")
    assert "choose another bed" in outcomes[0]
    assert Reservation.objects.filter(bed=bed).count() == 1
    assert AuditEvent.objects.filter(event="bed.reserved").count() == 1
