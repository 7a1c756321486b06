"""Signing a taper twice (a double submit, from the state read before the first) signs it once."""

from __future__ import annotations

from datetime import time

import pytest
from django.core.exceptions import ValidationError

from detoxdesk.audit.models import AuditEvent
from detoxdesk.tapers import actions
from detoxdesk.tapers.models import TaperPlan
from factories_tapers import make_methadone_plan

pytestmark = pytest.mark.django_db


def test_it_signs_a_taper_once_when_submitted_twice(unit):
    plan = make_methadone_plan(unit, times_of_day=[time(8)])
    stale = TaperPlan.objects.get(pk=plan.pk)
    actions.do_sign_plan(plan, acting_user=unit.prescriber, acknowledged=True)
    with pytest.raises(ValidationError, match="Only a draft can be signed"):
        actions.do_sign_plan(stale, acting_user=unit.prescriber, acknowledged=True)
    assert AuditEvent.objects.filter(event="taper.signed").count() == 1
