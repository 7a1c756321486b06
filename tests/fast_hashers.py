"""A cheap Argon2 for tests: the same algorithm and hash format, a fraction of the cost.

Production keeps Django's Argon2 defaults (``config/settings.py``); tests create many accounts, and
hashing each at full cost made account set-up the slowest part of the suite.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class CheapArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 64
    parallelism = 1
