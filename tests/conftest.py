from __future__ import annotations

import pytest
from django.test import Client

from factories import Unit


@pytest.fixture(autouse=True)
def cheap_password_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["fast_hashers.CheapArgon2PasswordHasher"]


@pytest.fixture
def unit(db: None) -> Unit:
    return Unit()


@pytest.fixture
def as_user(client: Client):
    """Sign a persona in on the test client: ``as_user(unit.nurse)``."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in
