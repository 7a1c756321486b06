from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from detoxdesk.accounts.auth import REAUTH_SESSION_KEY
from factories import Unit

# Property tests check rules, not speed: a busy CI machine must not fail them on a deadline.
hypothesis_settings.register_profile(
    "detoxdesk", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("detoxdesk")

# Every test that is not a browser test runs on this clock unless it asks for another instant with
# ``@pytest.mark.now(instant, tick=False)``. Fixtures and factories are built after the clock is
# set, so a patient admitted by a fixture and a dose recorded by the test share one timeline, and
# nothing depends on the date the suite happens to run (CI also runs it with the system clock
# 400 days ahead to prove that). The instant is a Monday, mid-morning in the program's time zone.
DEFAULT_NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock(request: pytest.FixtureRequest):
    """The test's one clock: a ``time_machine`` traveller that ticks from DEFAULT_NOW."""
    if request.node.get_closest_marker("browser"):
        # A real browser keeps real cookies: its clock and the server's must agree.
        yield None
        return
    marker = request.node.get_closest_marker("now")
    instant = marker.args[0] if marker else DEFAULT_NOW
    tick = marker.kwargs.get("tick", True) if marker else True
    with time_machine.travel(instant, tick=tick) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def cheap_password_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["fast_hashers.CheapArgon2PasswordHasher"]


@pytest.fixture
def unit(db: None, clock) -> Unit:
    return Unit()


@pytest.fixture
def as_user(client: Client):
    """Sign a persona in on the test client: ``as_user(unit.nurse)``.

    Like a real sign-in with a password, it counts as the recent re-authentication that signing
    asks for (tests/accounts/test_reauth.py tests the asking itself).
    """

    def sign_in(user):
        client.force_login(user)
        session = client.session
        session[REAUTH_SESSION_KEY] = timezone.now().timestamp()
        session.save()
        return client

    return sign_in
