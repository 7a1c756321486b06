"""After ``load_demo`` the notes are there to see: signed, draft, late with an addendum, on a
plan goal, waiting for a co-signature, a group session, and the portal's amendment requests."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from detoxdesk.notes import queries
from detoxdesk.notes.models import Addendum, AmendmentRequest, GroupSession, Note


@pytest.mark.django_db
def test_the_demo_ships_notes_of_every_kind(capsys):
    call_command("load_demo")
    assert Note.objects.filter(status="signed").exists() and Note.objects.filter(status="draft")
    assert Note.objects.filter(late_entry=True, addenda__isnull=False).exists()
    assert Note.objects.exclude(goal="").exists()
    assert Note.objects.filter(cosign_required=True, cosignature__isnull=True).exists()
    assert GroupSession.objects.get().notes.count() == 2
    statuses = set(AmendmentRequest.objects.values_list("status", flat=True))
    assert statuses == {"accepted", "denied"}
    assert Addendum.objects.filter(amendment_request__isnull=False).count() == 1
    assert AmendmentRequest.objects.exclude(disagreement="").count() == 1
    shift = Note.objects.filter(template_key="nursing_shift").first()
    assert shift is not None
    assert queries.last_nursing_notes([shift.episode_id])[shift.episode_id].signed_at
