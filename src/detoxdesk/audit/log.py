"""Writing audit events. Actions call :func:`record` inside their own transaction."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from django.core.exceptions import FieldDoesNotExist
from django.db import connection, transaction
from django.db.models import Max, Model
from django.db.models.sql import InsertQuery, UpdateQuery
from django.utils import timezone

from detoxdesk.audit import chain
from detoxdesk.audit.events import EVENTS
from detoxdesk.audit.models import HEAD_ID, AuditChainHead, AuditEvent
from detoxdesk.lib import requestid

if TYPE_CHECKING:
    from django.http import HttpRequest

    from detoxdesk.accounts.models import User
    from detoxdesk.patients.models import Facility, Patient


class UnknownEventError(ValueError):
    """An audit event name that is not in the registry."""


def record(
    event: str,
    *,
    actor: User | None,
    patient: Patient | None = None,
    facility: Facility | None = None,
    target: Model | None = None,
    changes: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Append one audit event to the chain. ``actor`` None means the system acted.

    Inside the caller's transaction when there is one (the event commits or rolls back with the
    change); otherwise in a transaction of its own.
    """
    fields = _fields(
        event,
        actor=actor,
        patient=patient,
        facility=facility,
        target=target,
        changes=changes,
        ip_address=ip_address,
    )
    return _append([fields])[0]


def record_many(
    entries: Sequence[Mapping[str, Any]],
    *,
    then: Sequence[UpdateQuery] = (),
    inserts: Sequence[Model] = (),
) -> list[AuditEvent]:
    """Append several audit events, in the order given, as :func:`record` would one by one.

    Each entry holds :func:`record`'s keyword arguments, its ``event`` among them. The chain head
    is locked and moved once, and the events are written in one insert: an action that changes
    two records (a scale and the vital signs taken with it) pays for one append, not two. The
    chain is the same as with one :func:`record` per event: each event links to the one before.

    ``then``: updates (``django.db.models.sql.UpdateQuery``) that must run after the append,
    while the chain head is locked (monitoring's link of an assessment to the one before it).
    On PostgreSQL they travel in the append's one write statement.

    ``inserts``: new records (instances not yet saved) that the events are about, written first,
    in the order given, while the chain head is locked; their keys are set on them. An event names
    its target by uuid, so an entry's ``target`` may be one of them. On PostgreSQL they too travel
    in the append's one statement, so a recording of a scale and its vital signs is one round trip
    to the database. A field's value may be an expression (a ``Subquery``), which the database
    fills in.
    """
    if inserts and not entries:
        raise ValueError("New records are written only with the audit events about them.")
    if any(getattr(record, "uuid", None) is None for record in inserts):
        raise ValueError("A record written with its audit event needs its uuid, which names it.")
    return _append([_fields(**entry) for entry in entries], then=then, inserts=inserts)


def _fields(
    event: str,
    *,
    actor: User | None,
    patient: Patient | None = None,
    facility: Facility | None = None,
    target: Model | None = None,
    changes: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> dict[str, Any]:
    """The stored fields of one event, before its place in the chain is known."""
    if event not in EVENTS:
        raise UnknownEventError(f"{event!r} is not a registered audit event.")
    target_id = ""
    if target is not None:
        target_id = str(getattr(target, "uuid", None) or target.pk)
    ip_field = AuditEvent._meta.get_field("ip_address")
    return {
        "event": event,
        "actor_id": actor.pk if actor is not None else None,
        "patient_id": patient.pk if patient is not None else None,
        "facility_id": facility.pk if facility is not None else None,
        "request_id": requestid.current(),
        "object_type": target._meta.label_lower if target is not None else "",
        "object_id": target_id,
        "changes": changes or {},
        "ip_address": ip_field.get_prep_value(ip_address) or None,
    }


def _append(
    pending: list[dict[str, Any]],
    *,
    then: Sequence[UpdateQuery] = (),
    inserts: Sequence[Model] = (),
) -> list[AuditEvent]:
    """Link ``pending`` to the end of the chain, write them and move the head past them."""
    if not pending:
        return []
    # Joins the caller's transaction (no savepoint): a failed append fails the whole action.
    with transaction.atomic(savepoint=False):
        head = _locked_head()
        next_id = _next_id(head)
        last_hash = head.last_hash
        for offset, fields in enumerate(pending):
            fields["id"] = next_id + offset
            fields["at"] = timezone.now()
            fields["prev_hash"] = last_hash
            fields["chain_hash"] = last_hash = chain.digest(fields, last_hash)
        events = [AuditEvent(**fields) for fields in pending]
        move = (_head_statements(connection.vendor).move, [events[-1].pk, last_hash, len(events)])
        _write(events, move, then, inserts)
    for record in inserts:
        for field in record._meta.concrete_fields:
            if hasattr(record.__dict__.get(field.attname), "resolve_expression"):
                # Filled in by the database: read from there when asked for.
                del record.__dict__[field.attname]
    for written in (*inserts, *events):
        written._state.adding = False
        written._state.db = connection.alias
    return events


def _write(
    events: list[AuditEvent],
    move: tuple[str, list[Any]],
    then: Sequence[UpdateQuery],
    inserts: Sequence[Model],
) -> None:
    """Insert ``inserts`` (setting their keys) and ``events`` (their ids are set), move the head
    (``move``: the statement and its values), then run ``then``.

    With ``then`` or ``inserts`` on PostgreSQL, all of it is one statement: every part a
    data-modifying ``WITH`` part, the new records' keys read back by the last ``SELECT``, so one
    round trip to the database instead of one per part. The parts touch different rows, so none
    needs to see another's change; the statement starts after the head is locked, so it sees
    every append before it. (A recording is the busy path. Other appends keep one statement per
    part on every database, so a page's statement count is the same on SQLite and PostgreSQL.
    SQLite is in process and pays next to nothing for a statement.)
    """
    insert = InsertQuery(AuditEvent)
    insert.insert_values(AuditEvent._meta.concrete_fields, list[Model](events))
    parts = [insert.get_compiler(connection=connection).as_sql()[0], move]
    parts += [update.get_compiler(connection=connection).as_sql() for update in then]
    if connection.vendor != "postgresql" or not (then or inserts):
        for record in inserts:
            record.save(force_insert=True)
        with connection.cursor() as cursor:
            for sql, params in parts:
                cursor.execute(sql, params)
        return
    new = [_insert_returning_key(record) for record in inserts]
    ctes = ", ".join(f"w{n} AS ({sql})" for n, (sql, _) in enumerate((*new, *parts)))
    params = [p for _, part_params in (*new, *parts) for p in part_params]
    # The parts' own SQL, compiled by Django with its values as parameters; only numbered names.
    keys = ", ".join(f"(SELECT * FROM w{n})" for n in range(len(new))) or "1"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {ctes} SELECT {keys}", params)
        row = cursor.fetchone()
    for record, key in zip(inserts, row if new else (), strict=True):
        record.pk = key


def _insert_returning_key(record: Model) -> tuple[str, tuple[Any, ...]]:
    """``INSERT`` of one new record ``RETURNING`` its key, for a ``WITH`` part."""
    meta = record._meta
    fields = [f for f in meta.local_concrete_fields if not f.generated and f is not meta.pk]
    if record.pk is not None:
        fields.append(meta.pk)
    insert = InsertQuery(type(record))
    insert.insert_values(fields, [record])
    compiler = insert.get_compiler(connection=connection)
    compiler.returning_fields = [meta.pk]
    sql, params = compiler.as_sql()[0]
    return sql, params


# The relations followed, in order, to find the patient and facility a record belongs to.
_PARENTS = ("episode", "evaluation", "discharge", "line", "plan")


def scope_of(
    target: Model, *, patient: bool = True, facility: bool = True
) -> tuple[Patient | None, Facility | None]:
    """The patient and facility a record belongs to, read from its own fields or, failing
    those, from the record it hangs off (its episode, evaluation, discharge, order line or plan).
    Only what is asked for is read (``patient``, ``facility``), so no relation is loaded for
    nothing.
    """
    from detoxdesk.patients.models import Facility, Patient

    if isinstance(target, Patient):
        return (target if patient else None), None
    if isinstance(target, Facility):
        return None, (target if facility else None)
    own_patient = _related(target, "patient") if patient else None
    own_facility = _related(target, "facility") if facility else None
    missing_patient = patient and own_patient is None
    missing_facility = facility and own_facility is None
    if missing_patient or missing_facility:
        for name in _PARENTS:
            parent = _related(target, name)
            if parent is not None:
                parent_patient, parent_facility = scope_of(
                    parent, patient=missing_patient, facility=missing_facility
                )
                own_patient = own_patient or parent_patient
                own_facility = own_facility or parent_facility
                break
    return own_patient, own_facility


def _related(target: Model, name: str) -> Any:
    """The record a forward relation ``name`` of ``target`` points at, or None."""
    try:
        field = target._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    attname = getattr(field, "attname", None)
    if not field.concrete or not field.is_relation or attname is None:
        return None
    if getattr(target, attname) is None:
        return None
    return getattr(target, name)


def record_for(
    target: Model,
    event: str,
    *,
    actor: User | None,
    changes: dict[str, Any] | None = None,
    patient: Patient | None = None,
    facility: Facility | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """:func:`record` an event about ``target``, with the patient and facility it belongs to
    (:func:`scope_of`) unless they are given.
    """
    if patient is None or facility is None:
        own_patient, own_facility = scope_of(
            target, patient=patient is None, facility=facility is None
        )
        patient = patient or own_patient
        facility = facility or own_facility
    return record(
        event,
        actor=actor,
        patient=patient,
        facility=facility,
        target=target,
        changes=changes,
        ip_address=ip_address,
    )


def viewed(
    request_or_user: HttpRequest | User,
    event: str,
    *,
    patient: Patient | None = None,
    facility: Facility | None = None,
    target: Model | None = None,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Audit that someone opened a page (a ``*.viewed`` event), in a transaction of its own
    unless the caller is in one. With a ``target`` and no patient or facility given, they are
    the target's (:func:`scope_of`).
    """
    from django.http import HttpRequest

    if isinstance(request_or_user, HttpRequest):
        actor = cast("User", request_or_user.user)
    else:
        actor = cast("User", request_or_user)
    with transaction.atomic():
        if target is not None:
            return record_for(
                target, event, actor=actor, changes=changes, patient=patient, facility=facility
            )
        return record(event, actor=actor, patient=patient, facility=facility, changes=changes)


def _locked_head() -> AuditChainHead:
    """The chain head, locked until the transaction ends, so appends happen one at a time.

    PostgreSQL locks the row (``SELECT ... FOR UPDATE``) and hands back its newest version once
    a concurrent append commits. SQLite takes its one write lock at ``BEGIN IMMEDIATE``
    (settings), which already serialises every writer. The head row is created when missing: a
    fresh database after ``flush``.
    """
    with connection.cursor() as cursor:
        cursor.execute(_head_statements(connection.vendor).lock, [HEAD_ID])
        row = cursor.fetchone()
    if row is None:
        AuditChainHead.objects.bulk_create([AuditChainHead(pk=HEAD_ID)], ignore_conflicts=True)
        return _locked_head()
    return AuditChainHead.from_db(connection.alias, _HEAD_COLUMNS, row)


_HEAD_COLUMNS = ["id", "last_event_id", "last_hash", "events"]


class _HeadStatements(NamedTuple):
    lock: str  # the head's row, locked until the transaction ends: (id,)
    move: str  # the head past new events: (last event id, last hash, how many)


@functools.cache
def _head_statements(vendor: str) -> _HeadStatements:
    """The head's lock and move, written out once from the model's own column names: every
    append runs the same two, and building them with the ORM each time costs more than sending
    them. SQLite has no row locks (see :func:`_locked_head`)."""
    quote = connection.ops.quote_name
    meta = AuditChainHead._meta
    table = quote(meta.db_table)
    columns = {field.attname: field.column for field in meta.concrete_fields}
    key, last_id, last_hash, events = (quote(columns[name]) for name in _HEAD_COLUMNS)
    lock = f"SELECT {key}, {last_id}, {last_hash}, {events} FROM {table} WHERE {key} = %s"  # noqa: S608
    if connection.features.has_select_for_update:
        lock += " FOR UPDATE"
    move = (
        f"UPDATE {table} SET {last_id} = %s, {last_hash} = %s, "  # noqa: S608
        f"{events} = {events} + %s WHERE {key} = {HEAD_ID}"
    )
    return _HeadStatements(lock, move)


def _next_id(head: AuditChainHead) -> int:
    """The id of the event being appended: one after the chain's last, known before the insert
    because it is hashed.

    Taken from the locked head rather than the table's sequence, so ids run without gaps (a
    rolled-back append rolls the head back too) and one query is saved; the sequence is not
    used, since every event is written here.
    """
    if head.last_event_id is not None:
        return head.last_event_id + 1
    # A new head (a fresh database, or one whose head row was lost): start after any event.
    return (AuditEvent.objects.aggregate(highest=Max("id"))["highest"] or 0) + 1
