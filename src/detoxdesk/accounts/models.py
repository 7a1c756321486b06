from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    INTAKE_COORDINATOR = "intake_coordinator", "Intake coordinator"
    NURSE = "nurse", "Nurse"
    PRESCRIBER = "prescriber", "Prescriber"
    COUNSELOR = "counselor", "Counselor"
    DIRECTOR = "director", "Program director"
    AUDITOR = "auditor", "Auditor"
    ADMINISTRATOR = "administrator", "Administrator"


class User(AbstractUser):
    """A staff account. What it may do comes from its memberships, one per facility.

    Failed sign-ins and lockouts are kept by django-axes (per username and address), not here.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return str(self)


class Membership(models.Model):
    """A user's role at one facility; a user sees only the facilities they belong to."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    facility = models.ForeignKey(
        "patients.Facility", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=32, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "facility"], name="membership_one_role_per_facility"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.facility}"


class SignInPolicy(models.Model):
    """A program's sign-in rules. A program without a row keeps the defaults."""

    program = models.OneToOneField(
        "patients.Program", on_delete=models.CASCADE, related_name="sign_in_policy"
    )
    require_mfa = models.BooleanField(
        default=False,
        help_text=(
            "Prescribers, directors and administrators must sign in with an authenticator app."
        ),
    )

    def __str__(self) -> str:
        return f"Sign-in policy of {self.program}"
