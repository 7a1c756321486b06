"""Loading the demo: the program, its people and stays (``patients.demo``), then each app's own
demo data on top of them, in one transaction.

It sits above every app, so that no app's demo has to import the others.
"""

from __future__ import annotations

import random
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from detoxdesk.aftercare import demo as aftercare_demo
from detoxdesk.beds import demo as beds_demo
from detoxdesk.controlled import demo as controlled_demo
from detoxdesk.directory import demo as directory_demo
from detoxdesk.disclosures import demo as disclosures_demo
from detoxdesk.intake import demo as intake_demo
from detoxdesk.labs import demo as labs_demo
from detoxdesk.medications import demo as medications_demo
from detoxdesk.notes import demo as notes_demo
from detoxdesk.outpatient import demo as outpatient_demo
from detoxdesk.patients import demo as patients_demo
from detoxdesk.patients.models import Program
from detoxdesk.portal import demo as portal_demo
from detoxdesk.tapers import demo as tapers_demo

# Each app's demo builds on the program and stays, and on the apps before it.
APP_DEMOS = (
    directory_demo,
    intake_demo,
    medications_demo,
    labs_demo,
    controlled_demo,
    tapers_demo,
    outpatient_demo,
    aftercare_demo,
    portal_demo,
    notes_demo,
    disclosures_demo,
    beds_demo,
)


def load(now: datetime | None = None, seed: int = 2026) -> Program:
    """Create the demo program and everything on it. ``patients.demo.DemoRefused`` where demo
    accounts are not allowed, or if data exists."""
    patients_demo.refuse_unless_allowed()
    now = now or timezone.now()
    rng = random.Random(seed)
    with transaction.atomic():
        context = patients_demo.build(now, rng)
        for app_demo in APP_DEMOS:
            app_demo.load(context)
    return context.program
