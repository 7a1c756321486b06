"""Writing notes, addenda, co-signatures, templates and amendment requests: the only door.

Each action checks the capability, validates, locks what it changes, checks its state inside the
transaction and writes its audit event there. A signed note is never changed (the model refuses
too); corrections are signed addenda.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from detoxdesk.accounts import permissions
from detoxdesk.accounts.models import Membership, Role, User
from detoxdesk.audit import log
from detoxdesk.monitoring.models import is_late
from detoxdesk.notes import queries
from detoxdesk.notes.models import (
    Addendum,
    AmendmentRequest,
    Cosignature,
    GroupSession,
    Note,
    NoteSettings,
    NoteTemplate,
)
from detoxdesk.patients.models import Episode, Facility, Patient, Program

TEXT_MAX = 20000  # characters in one section or addendum: a software limit, not a clinical one
LABEL_MAX = 80


def _require(user: User, capability: str, facility: Facility) -> None:
    if not permissions.can(user, capability, facility):
        raise PermissionDenied("Your role cannot do this for this patient.")


def _clock(now: datetime | None) -> datetime:
    return now or timezone.now()


def section_field(key: str) -> str:
    """The form field (and error key) of a note section."""
    return f"s_{key}"


def _sections(template: queries.Template, values: Mapping[str, str]) -> list[dict[str, str]]:
    errors = {
        section_field(s["key"]): f"{s['label']}: at most {TEXT_MAX} characters."
        for s in template.sections
        if len(values.get(s["key"], "")) > TEXT_MAX
    }
    if errors:
        raise ValidationError(errors)
    return [
        {"key": s["key"], "label": s["label"], "text": values.get(s["key"], "").strip()}
        for s in template.sections
    ]


def _check_written(sections: list[dict[str, str]]) -> None:
    if not any(s["text"] for s in sections):
        first = section_field(sections[0]["key"]) if sections else "__all__"
        raise ValidationError({first: "Write something in at least one section."})


def _check_event_at(event_at: datetime | None, now: datetime) -> datetime:
    if event_at is None:
        raise ValidationError({"event_at": "Say when what the note describes happened."})
    if event_at > now:
        raise ValidationError({"event_at": "The time of the event cannot be in the future."})
    return event_at


def _check_goal(episode: Episode, goal: str) -> Any:
    plan = queries.plan_for(episode)
    goal = goal.strip()
    if goal and goal not in queries.goals_of(plan):
        raise ValidationError({"goal": "Choose a goal of this episode's treatment plan."})
    return (plan if goal else None), goal


def _template(episode: Episode, key: str) -> queries.Template:
    template = queries.template_for(episode.facility.program, key)
    if template is None or not template.active:
        raise ValidationError({"template": "This note template is not in use in this program."})
    return template


def do_draft_note(
    episode: Episode,
    *,
    acting_user: User,
    template_key: str,
    values: Mapping[str, str],
    event_at: datetime | None,
    goal: str = "",
    group_session: GroupSession | None = None,
    now: datetime | None = None,
) -> Note:
    """Save a new draft note on ``episode`` from the program's template ``template_key``."""
    _require(acting_user, permissions.NOTE_WRITE, episode.facility)
    now = _clock(now)
    template = _template(episode, template_key)
    sections = _sections(template, values)
    _check_written(sections)
    event_at = _check_event_at(event_at, now)
    plan, goal = _check_goal(episode, goal)
    note = Note(
        episode=episode,
        template_key=template.key,
        title=template.name,
        template_version=template.version,
        sections=sections,
        plan=plan,
        goal=goal,
        group_session=group_session,
        event_at=event_at,
        written_at=now,
        late_entry=is_late(event_at, now),
        author=acting_user,
    )
    with transaction.atomic():
        note.save()
        log.record_for(note, "note.drafted", actor=acting_user, changes={"template": template.key})
    return note


def _locked_draft(note: Note, user: User, read_version: int | None) -> Note:
    current = Note.objects.select_for_update().get(pk=note.pk)
    if current.status != Note.Status.DRAFT:
        raise ValidationError("This note is signed and cannot change; write an addendum instead.")
    if current.author_id != user.pk:
        raise PermissionDenied("Only the author of a draft note can change or sign it.")
    if read_version is not None and read_version != current.version:
        raise ValidationError(
            "This draft was saved again after you opened it. The form now shows what it says; "
            "make your change again.",
            code="stale",
        )
    return current


def do_edit_note(
    note: Note,
    *,
    acting_user: User,
    values: Mapping[str, str],
    event_at: datetime | None,
    goal: str = "",
    read_version: int | None = None,
    now: datetime | None = None,
) -> Note:
    """Save the author's change to a draft; refused once signed or when the draft moved on."""
    episode = note.episode
    _require(acting_user, permissions.NOTE_WRITE, episode.facility)
    now = _clock(now)
    template = queries.Template(note.template_key, note.title, tuple(note.sections), True, 0, False)
    sections = _sections(template, values)
    _check_written(sections)
    event_at = _check_event_at(event_at, now)
    plan, goal = _check_goal(episode, goal)
    with transaction.atomic():
        current = _locked_draft(note, acting_user, read_version)
        current.sections, current.event_at, current.plan, current.goal = (
            sections,
            event_at,
            plan,
            goal,
        )
        current.written_at, current.late_entry = now, is_late(event_at, now)
        current.version += 1
        current.save()
        log.record_for(
            current, "note.edited", actor=acting_user, changes={"version": current.version}
        )
    return current


def _role_at(user: User, facility: Facility) -> str | None:
    return (
        Membership.objects.filter(user=user, facility=facility)
        .values_list("role", flat=True)
        .first()
    )


def do_sign_note(
    note: Note,
    *,
    acting_user: User,
    read_version: int | None = None,
    now: datetime | None = None,
) -> Note:
    """Sign the author's draft: it is locked from now on. The caller has made sure the signer
    confirmed who they are (``accounts.auth.require_recent_reauth``). Marks the note for a
    co-signature when the program asks one for the author's role."""
    facility = note.episode.facility
    _require(acting_user, permissions.NOTE_WRITE, facility)
    now = _clock(now)
    rules = queries.settings_for(facility.program)
    with transaction.atomic():
        current = _locked_draft(note, acting_user, read_version)
        _check_written(current.sections)
        current.status, current.signed_at = Note.Status.SIGNED, now
        current.cosign_required = _role_at(acting_user, facility) in rules.cosign_roles
        current.save()
        log.record_for(
            current,
            "note.signed",
            actor=acting_user,
            changes={"late_entry": current.late_entry, "cosign": current.cosign_required},
        )
    return current


def _locked_signed(note: Note) -> Note:
    current = Note.objects.select_for_update().get(pk=note.pk)
    if current.status != Note.Status.SIGNED:
        raise ValidationError("Sign the note first; a draft is changed, not added to.")
    return current


def _check_text(text: str, field: str, empty: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationError({field: empty})
    if len(text) > TEXT_MAX:
        raise ValidationError({field: f"At most {TEXT_MAX} characters."})
    return text


def _addendum(
    note: Note, user: User, text: str, now: datetime, request: AmendmentRequest | None = None
) -> Addendum:
    addendum = Addendum.objects.create(
        note=note, text=text, author=user, signed_at=now, amendment_request=request
    )
    changes: dict[str, Any] = {"note": str(note.uuid)}
    if request is not None:
        changes["amendment_request"] = str(request.uuid)
    log.record_for(
        addendum,
        "note.addendum_signed",
        actor=user,
        patient=note.episode.patient,
        facility=note.episode.facility,
        changes=changes,
    )
    return addendum


def do_add_addendum(
    note: Note, *, acting_user: User, text: str, now: datetime | None = None
) -> Addendum:
    """Sign an addendum beneath a signed note (a correction or a later addition)."""
    _require(acting_user, permissions.NOTE_WRITE, note.episode.facility)
    text = _check_text(text, "text", "Write the addendum.")
    now = _clock(now)
    with transaction.atomic():
        current = _locked_signed(note)
        return _addendum(current, acting_user, text, now)


def do_cosign(note: Note, *, acting_user: User, now: datetime | None = None) -> Cosignature:
    """Co-sign a signed note that needs it; not one's own, and only once."""
    _require(acting_user, permissions.NOTE_COSIGN, note.episode.facility)
    with transaction.atomic():
        current = _locked_signed(note)
        if not current.cosign_required:
            raise ValidationError("This note does not need a co-signature.")
        if current.author_id == acting_user.pk:
            raise ValidationError("A note is co-signed by someone other than its author.")
        if Cosignature.objects.filter(note=current).exists():
            raise ValidationError("This note is already co-signed.")
        cosignature = Cosignature.objects.create(
            note=current, signed_by=acting_user, signed_at=_clock(now)
        )
        log.record_for(current, "note.cosigned", actor=acting_user)
    return cosignature


def do_document_group(
    facility: Facility,
    *,
    acting_user: User,
    topic: str,
    event_at: datetime | None,
    summary: str,
    participation: Mapping[Episode, str],
    now: datetime | None = None,
) -> GroupSession:
    """One group session: a draft group note for each attendee, on the attendee's episode,
    sharing the topic and summary; each attendee's participation is their own."""
    _require(acting_user, permissions.NOTE_WRITE, facility)
    now = _clock(now)
    topic = _check_text(topic, "topic", "Name the group's topic.")[:200]
    event_at = _check_event_at(event_at, now)
    if not participation:
        raise ValidationError({"attendees": "Choose at least one attendee."})
    if any(e.facility_id != facility.pk for e in participation):
        raise ValidationError({"attendees": "Every attendee must be a patient of this facility."})
    with transaction.atomic():
        session = GroupSession.objects.create(
            facility=facility, topic=topic, event_at=event_at, led_by=acting_user, created_at=now
        )
        for episode, text in participation.items():
            values = {"summary": f"{topic}\n{summary}".strip(), "participation": text}
            do_draft_note(
                episode,
                acting_user=acting_user,
                template_key=queries.GROUP_KEY,
                values=values,
                event_at=event_at,
                group_session=session,
                now=now,
            )
        log.record(
            "note.group_drafted",
            actor=acting_user,
            facility=facility,
            target=session,
            changes={"attendees": len(participation)},
        )
    return session


# Templates and settings -------------------------------------------------------------------------


def _require_director(user: User, program: Program) -> None:
    if not any(
        f.program_id == program.pk
        for f in permissions.facilities_with(user, permissions.NOTE_TEMPLATES)
    ):
        raise PermissionDenied("Only a program director can change the note templates.")


def _check_version(found: int, read_version: int | None, what: str) -> None:
    if read_version is not None and read_version != found:
        raise ValidationError(
            f"Someone else changed {what} after you opened it. The form now shows what it says; "
            "make your change again.",
            code="stale",
        )


def _locked_template(program: Program, key: str, user: User, now: datetime) -> NoteTemplate:
    shipped = queries.template_for(program, key)
    if shipped is None:
        raise ValidationError("No such note template.")
    row, _ = NoteTemplate.objects.select_for_update().get_or_create(
        program=program,
        key=key,
        defaults={
            "name": shipped.name,
            "sections": list(shipped.sections),
            "version": 0,
            "updated_by": user,
            "updated_at": now,
        },
    )
    return row


def _check_labels(labels: Sequence[str]) -> list[str]:
    cleaned = [label.strip() for label in labels if label.strip()]
    if not cleaned:
        raise ValidationError({"sections": "Give the template at least one section."})
    if any(len(label) > LABEL_MAX for label in cleaned):
        raise ValidationError(
            {"sections": f"A section heading has at most {LABEL_MAX} characters."}
        )
    if len(set(cleaned)) != len(cleaned):
        raise ValidationError({"sections": "Two sections have the same heading."})
    return cleaned


def _keyed(labels: list[str], old: list[dict[str, str]]) -> list[dict[str, str]]:
    """Sections for ``labels``: a heading kept keeps its key (and hint), a new one gets one."""
    by_label = {s["label"]: s for s in old}
    used = {s["key"] for s in old}
    sections = []
    for n, label in enumerate(labels, start=1):
        if label in by_label:
            sections.append(by_label[label])
            continue
        key = f"section_{n}"
        while key in used:
            key += "_"
        used.add(key)
        sections.append({"key": key, "label": label, "hint": ""})
    return sections


def do_edit_template(
    program: Program,
    *,
    acting_user: User,
    key: str,
    name: str,
    labels: Sequence[str],
    read_version: int | None,
    now: datetime | None = None,
) -> NoteTemplate:
    """Rename a template and set its section headings (notes already written keep theirs)."""
    _require_director(acting_user, program)
    name = name.strip()
    if not name or len(name) > LABEL_MAX:
        raise ValidationError({"name": f"Name the template (at most {LABEL_MAX} characters)."})
    cleaned = _check_labels(labels)
    now = _clock(now)
    with transaction.atomic():
        row = _locked_template(program, key, acting_user, now)
        _check_version(row.version, read_version, "this template")
        old = {"name": row.name, "sections": [s["label"] for s in row.sections]}
        row.name, row.sections = name, _keyed(cleaned, list(row.sections))
        row.version += 1
        row.updated_by, row.updated_at = acting_user, now
        row.save()
        log.record(
            "note.template_changed",
            actor=acting_user,
            target=row,
            changes={"old": old, "new": {"name": name, "sections": cleaned}},
        )
    return row


def do_set_template_active(
    program: Program,
    *,
    acting_user: User,
    key: str,
    active: bool,
    read_version: int | None,
    now: datetime | None = None,
) -> NoteTemplate:
    """Take a template out of use (notes written with it stay) or back into use."""
    _require_director(acting_user, program)
    now = _clock(now)
    with transaction.atomic():
        row = _locked_template(program, key, acting_user, now)
        _check_version(row.version, read_version, "this template")
        if row.active == active:
            raise ValidationError(
                "The template is already " + ("in use." if active else "out of use.")
            )
        row.active = active
        row.version += 1
        row.updated_by, row.updated_at = acting_user, now
        row.save()
        event = "note.template_activated" if active else "note.template_deactivated"
        log.record(event, actor=acting_user, target=row, changes={"key": key})
    return row


COSIGN_ROLE_CHOICES = (Role.NURSE, Role.PRESCRIBER, Role.COUNSELOR)


def do_update_settings(
    program: Program,
    *,
    acting_user: User,
    cosign_roles: Sequence[str],
    read_version: int | None,
    now: datetime | None = None,
) -> NoteSettings:
    """Set which roles' notes need a co-signature (notes signed from now on)."""
    _require_director(acting_user, program)
    roles = sorted(set(cosign_roles))
    if unknown := set(roles) - {str(r) for r in COSIGN_ROLE_CHOICES}:
        raise ValidationError({"cosign_roles": f"Not a role that writes notes: {sorted(unknown)}."})
    with transaction.atomic():
        rules, _ = NoteSettings.objects.select_for_update().get_or_create(
            program=program, defaults={"version": 0}
        )
        _check_version(rules.version, read_version, "the note settings")
        old = list(rules.cosign_roles)
        rules.cosign_roles, rules.version = roles, rules.version + 1
        rules.updated_by, rules.updated_at = acting_user, _clock(now)
        rules.save()
        log.record(
            "note.settings_changed",
            actor=acting_user,
            target=rules,
            changes={"cosign_roles": {"old": old, "new": roles}},
        )
    return rules


# Amendment requests (ONC 170.315(d)(4)) --------------------------------------------------------


def _amendment_facility(patient: Patient, note: Note | None) -> Facility:
    if note is not None:
        return note.episode.facility
    episode = patient.episodes.select_related("facility").order_by("-admitted_at").first()
    if episode is None:
        raise ValidationError("There is no stay on record to correct.")
    return episode.facility


def do_request_amendment(
    patient: Patient,
    *,
    acting_user: User,
    note: Note | None,
    record: str,
    correction: str,
    now: datetime | None = None,
) -> AmendmentRequest:
    """The patient asks for a correction of one of their signed notes or of another record."""
    if note is not None and (note.episode.patient_id != patient.pk or note.status != "signed"):
        raise ValidationError({"note": "Choose one of your signed notes."})
    record = record.strip()
    if note is None and not record:
        raise ValidationError({"record": "Choose a note, or say which record is wrong."})
    if len(record) > 200:
        raise ValidationError({"record": "At most 200 characters."})
    correction = _check_text(correction, "correction", "Say what is wrong and what it should say.")
    with transaction.atomic():
        request = AmendmentRequest.objects.create(
            patient=patient,
            facility=_amendment_facility(patient, note),
            note=note,
            record=record,
            correction=correction,
            requested_at=_clock(now),
            requested_by=acting_user,
        )
        log.record_for(request, "amendment.requested", actor=acting_user)
    return request


def _locked_pending(request: AmendmentRequest) -> AmendmentRequest:
    current = AmendmentRequest.objects.select_for_update().get(pk=request.pk)
    if current.status != AmendmentRequest.Status.PENDING:
        raise ValidationError(f"This request is already {current.get_status_display().lower()}.")
    return current


def do_accept_amendment(
    request: AmendmentRequest,
    *,
    acting_user: User,
    text: str,
    note: Note | None = None,
    now: datetime | None = None,
) -> Addendum:
    """Accept: a signed addendum beneath the note (the request's, or one chosen for a request
    about another record) that names the request."""
    _require(acting_user, permissions.AMENDMENT_DECIDE, request.facility)
    target = request.note or note
    if target is None:
        raise ValidationError({"note": "Choose the note the correction is written beneath."})
    if target.episode.patient_id != request.patient_id:
        raise ValidationError({"note": "Choose a note of this patient."})
    text = _check_text(text, "text", "Write the correction as it goes into the record.")
    now = _clock(now)
    with transaction.atomic():
        current = _locked_pending(request)
        signed = _locked_signed(target)
        current.status, current.decided_by, current.decided_at = "accepted", acting_user, now
        if current.note_id is None:
            current.note = signed
        current.save()
        asked = timezone.localtime(current.requested_at)
        named = f"Amendment requested by the patient on {asked:%d %b %Y}: {text}"
        addendum = _addendum(signed, acting_user, named, now, request=current)
        log.record_for(current, "amendment.accepted", actor=acting_user)
    return addendum


def do_deny_amendment(
    request: AmendmentRequest, *, acting_user: User, reason: str, now: datetime | None = None
) -> AmendmentRequest:
    _require(acting_user, permissions.AMENDMENT_DECIDE, request.facility)
    reason = _check_text(reason, "reason", "Give the reason for the denial; the patient reads it.")
    with transaction.atomic():
        current = _locked_pending(request)
        current.status, current.decided_by, current.decided_at = "denied", acting_user, _clock(now)
        current.denial_reason = reason
        current.save()
        log.record_for(current, "amendment.denied", actor=acting_user)
    return current


def do_file_disagreement(
    request: AmendmentRequest,
    *,
    acting_user: User,
    patient: Patient,
    text: str,
    now: datetime | None = None,
) -> AmendmentRequest:
    """The patient's statement of disagreement with a denial, attached to the record once."""
    if request.patient_id != patient.pk:
        raise PermissionDenied("This is not your request.")
    text = _check_text(text, "disagreement", "Write your statement of disagreement.")
    with transaction.atomic():
        current = AmendmentRequest.objects.select_for_update().get(pk=request.pk)
        if current.status != AmendmentRequest.Status.DENIED:
            raise ValidationError("A statement of disagreement follows a denial.")
        if current.disagreement:
            raise ValidationError("Your statement of disagreement is already attached.")
        current.disagreement, current.disagreement_at = text, _clock(now)
        current.save()
        log.record_for(current, "amendment.disagreement_filed", actor=acting_user)
    return current
