"""Factory functions for the patient portal tests."""

from __future__ import annotations

from django.utils import timezone

from detoxdesk.accounts.models import User
from detoxdesk.patients.models import Patient
from detoxdesk.portal.models import PortalAccount
from factories import PASSWORD


def make_portal_user(patient: Patient, username: str | None = None) -> User:
    """A patient account (no facility membership) linked to ``patient``."""
    user = User(username=username or f"pt-{patient.record_number.lower()}", first_name="Pat")
    user.set_password(PASSWORD)
    user.save()
    PortalAccount.objects.create(user=user, patient=patient, created_at=timezone.now())
    return user


def sows_answers(value: int = 1) -> dict[str, int]:
    from detoxdesk.clinical import scales

    return {item.key: value for item in scales.get_scale("sows").items}
