"""Two prescribers signing the same taper at the same moment (PostgreSQL, one thread each): one
signature, the other gets the message, never a server error."""

from __future__ import annotations

from datetime import time

import pytest

from detoxdesk.audit.models import AuditEvent
from detoxdesk.tapers import actions
from detoxdesk.tapers.models import TaperPlan
from factories import Unit
from factories_tapers import make_methadone_plan
from threads import at_once, needs_postgresql

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_simultaneous_taper_signatures_sign_once():
    needs_postgresql()
    unit = Unit()
    plan = make_methadone_plan(unit, times_of_day=[time(8)])

    def sign():
        return actions.do_sign_plan(
            TaperPlan.objects.get(pk=plan.pk), acting_user=unit.prescriber, acknowledged=True
        )

    outcomes = at_once(sign, sign)
    assert outcomes == ["refused: Only a draft can be signed.", "saved"]
    assert AuditEvent.objects.filter(event="taper.signed").count() == 1
