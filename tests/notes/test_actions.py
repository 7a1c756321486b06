"""Writing, signing, locking, addenda, late entries and co-signatures of progress notes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from detoxdesk.accounts.models import Role
from detoxdesk.audit.models import AuditEvent
from detoxdesk.notes import actions
from detoxdesk.notes.models import Addendum, Cosignature, Note, SignedNoteError
from factories import make_episode
from factories_notes import make_note, make_plan


def test_it_drafts_a_note_from_the_program_template(unit):
    note = make_note(unit.episode, unit.nurse, data="Restless, yawning.", plan="Continue.")
    assert note.status == "draft" and note.title == "DAP note"
    assert [s["label"] for s in note.sections] == ["Data", "Assessment", "Plan"]
    assert note.text == "Data: Restless, yawning.\nPlan: Continue."
    assert AuditEvent.objects.filter(event="note.drafted", patient=unit.patient).count() == 1


def test_it_refuses_an_empty_note_naming_the_first_section(unit):
    with pytest.raises(ValidationError) as caught:
        make_note(unit.episode, unit.nurse, data=" ", plan="")
    assert "s_data" in caught.value.message_dict
    assert not Note.objects.exists()


def test_it_refuses_an_event_in_the_future(unit):
    with pytest.raises(ValidationError) as caught:
        make_note(unit.episode, unit.nurse, event_at=timezone.now() + timedelta(hours=1))
    assert "event_at" in caught.value.message_dict


def test_it_refuses_a_goal_not_in_the_plan(unit):
    make_plan(unit.episode, unit.counselor)
    with pytest.raises(ValidationError) as caught:
        make_note(unit.episode, unit.counselor, data="x", goal="Win the lottery")
    assert "goal" in caught.value.message_dict
    note = make_note(unit.episode, unit.counselor, data="x", goal="Start MOUD before discharge")
    assert note.goal == "Start MOUD before discharge" and note.plan is not None


@pytest.mark.parametrize("role", ["director", "auditor", "coordinator", "outsider"])
def test_it_lets_only_note_writers_draft(unit, role):
    with pytest.raises(PermissionDenied):
        make_note(unit.episode, getattr(unit, role))


def test_signing_locks_the_note(unit):
    note = make_note(unit.episode, unit.nurse, sign=True)
    assert note.status == "signed" and note.signed_at is not None
    stored = Note.objects.get(pk=note.pk)
    stored.sections = [{"key": "data", "label": "Data", "text": "rewritten"}]
    with pytest.raises(SignedNoteError):
        stored.save()
    with pytest.raises(SignedNoteError):
        stored.delete()
    with pytest.raises(SignedNoteError):
        Note.objects.filter(pk=note.pk).update(goal="changed")
    with pytest.raises(SignedNoteError):
        Note.objects.all().delete()
    with pytest.raises(ValidationError):
        actions.do_edit_note(
            stored, acting_user=unit.nurse, values={"data": "x"}, event_at=note.event_at
        )
    with pytest.raises(ValidationError):
        actions.do_sign_note(stored, acting_user=unit.nurse)
    assert Note.objects.get(pk=note.pk).text == note.text
    assert AuditEvent.objects.filter(event="note.signed").count() == 1


def test_only_the_author_signs_or_edits_a_draft(unit):
    note = make_note(unit.episode, unit.nurse)
    with pytest.raises(PermissionDenied):
        actions.do_sign_note(note, acting_user=unit.prescriber)
    with pytest.raises(PermissionDenied):
        actions.do_edit_note(
            note, acting_user=unit.prescriber, values={"data": "x"}, event_at=note.event_at
        )


def test_a_draft_edit_checks_the_version_it_read(unit):
    note = make_note(unit.episode, unit.nurse)
    edited = actions.do_edit_note(
        note,
        acting_user=unit.nurse,
        values={"data": "Second"},
        event_at=note.event_at,
        read_version=1,
    )
    assert edited.version == 2
    with pytest.raises(ValidationError) as caught:
        actions.do_edit_note(
            note,
            acting_user=unit.nurse,
            values={"data": "Third"},
            event_at=note.event_at,
            read_version=1,
        )
    assert caught.value.code == "stale"
    assert Note.objects.get(pk=note.pk).sections[0]["text"] == "Second"
    with pytest.raises(ValidationError):
        actions.do_sign_note(note, acting_user=unit.nurse, read_version=1)
    assert actions.do_sign_note(note, acting_user=unit.nurse, read_version=2).status == "signed"


@pytest.mark.now(datetime(2026, 3, 2, 15, 0, tzinfo=UTC), tick=False)
def test_a_note_written_past_the_late_entry_window_is_a_late_entry(unit, settings):
    settings.LATE_ENTRY_MINUTES = 15
    now = timezone.now()
    on_time = make_note(unit.episode, unit.nurse, event_at=now - timedelta(minutes=15))
    late = make_note(unit.episode, unit.nurse, event_at=now - timedelta(minutes=16))
    assert not on_time.late_entry and late.late_entry
    # An edit of the draft is written now: the mark follows the time it was last written.
    later = actions.do_edit_note(
        on_time, acting_user=unit.nurse, values={"data": "x"}, event_at=now - timedelta(hours=1)
    )
    assert later.late_entry


def test_an_addendum_is_signed_beneath_a_signed_note_only(unit):
    draft = make_note(unit.episode, unit.nurse)
    with pytest.raises(ValidationError):
        actions.do_add_addendum(draft, acting_user=unit.nurse, text="More")
    note = actions.do_sign_note(draft, acting_user=unit.nurse)
    with pytest.raises(ValidationError) as caught:
        actions.do_add_addendum(note, acting_user=unit.nurse, text="  ")
    assert "text" in caught.value.message_dict
    addendum = actions.do_add_addendum(note, acting_user=unit.prescriber, text="Pulse was 96.")
    assert addendum.signed_at is not None and addendum.author == unit.prescriber
    event = AuditEvent.objects.get(event="note.addendum_signed")
    assert event.patient == unit.patient and event.changes["note"] == str(note.uuid)
    with pytest.raises(PermissionDenied):
        actions.do_add_addendum(note, acting_user=unit.director, text="x")
    assert Addendum.objects.count() == 1


def _require_cosign(unit, *roles):
    from detoxdesk.notes.models import NoteSettings

    NoteSettings.objects.create(program=unit.program, cosign_roles=list(roles))


def test_a_role_the_program_names_needs_a_co_signature(unit):
    _require_cosign(unit, Role.COUNSELOR)
    by_counselor = make_note(unit.episode, unit.counselor, sign=True)
    by_nurse = make_note(unit.episode, unit.nurse, sign=True)
    assert by_counselor.cosign_required and not by_nurse.cosign_required
    with pytest.raises(ValidationError):
        actions.do_cosign(by_nurse, acting_user=unit.prescriber)
    with pytest.raises(PermissionDenied):
        actions.do_cosign(by_counselor, acting_user=unit.nurse)
    cosignature = actions.do_cosign(by_counselor, acting_user=unit.prescriber)
    assert cosignature.signed_by == unit.prescriber
    with pytest.raises(ValidationError):
        actions.do_cosign(by_counselor, acting_user=unit.director)
    assert Cosignature.objects.count() == 1
    assert AuditEvent.objects.filter(event="note.cosigned", patient=unit.patient).count() == 1


def test_nobody_co_signs_their_own_note(unit):
    _require_cosign(unit, Role.PRESCRIBER)
    note = make_note(unit.episode, unit.prescriber, sign=True)
    with pytest.raises(ValidationError):
        actions.do_cosign(note, acting_user=unit.prescriber)


def test_a_draft_is_not_co_signed(unit):
    _require_cosign(unit, Role.NURSE)
    note = make_note(unit.episode, unit.nurse)
    with pytest.raises(ValidationError):
        actions.do_cosign(note, acting_user=unit.prescriber)


def test_a_group_session_drafts_one_note_per_attendee(unit):
    other = make_episode(unit.ward)
    session = actions.do_document_group(
        unit.ward,
        acting_user=unit.counselor,
        topic="Relapse prevention",
        event_at=timezone.now() - timedelta(minutes=30),
        summary="Triggers and plans.",
        participation={unit.episode: "Spoke twice.", other: "Listened."},
    )
    notes = list(session.notes.order_by("id"))
    assert [n.episode for n in notes] == [unit.episode, other]
    assert all(n.template_key == "group" and n.status == "draft" for n in notes)
    assert all(n.sections[0]["text"].startswith("Relapse prevention") for n in notes)
    assert notes[0].sections[1]["text"] == "Spoke twice."
    assert AuditEvent.objects.filter(event="note.group_drafted").count() == 1


def test_a_group_refuses_no_attendees_and_patients_of_another_facility(unit):
    elsewhere = make_episode(unit.other)
    when = timezone.now() - timedelta(minutes=5)
    for participation, field in (({}, "attendees"), ({elsewhere: "x"}, "attendees")):
        with pytest.raises(ValidationError) as caught:
            actions.do_document_group(
                unit.ward,
                acting_user=unit.counselor,
                topic="T",
                event_at=when,
                summary="",
                participation=participation,
            )
        assert field in caught.value.message_dict
    assert not Note.objects.exists()


def test_the_database_refuses_to_change_or_delete_a_signed_note(unit):
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("The database trigger is PostgreSQL's.")
    signed = make_note(unit.episode, unit.nurse, sign=True)
    draft = make_note(unit.episode, unit.nurse)
    for sql in (
        "UPDATE notes_note SET goal = 'changed' WHERE id = %s",
        "DELETE FROM notes_note WHERE id = %s",
    ):
        with (
            pytest.raises(Exception, match="signed note cannot change"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [signed.pk])
    Note.objects.filter(pk=draft.pk).update(goal="")  # a draft still changes
    assert Note.objects.get(pk=signed.pk).goal == ""
