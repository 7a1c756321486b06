"""Chain the audit events: two hash columns, the chain head, and hashes for existing rows.

The backfill links the existing events in id order with the canonical form, version 1, of
``detoxdesk.audit.chain``. It carries its own copy of that form because a migration must keep
doing what it did when it was written, whatever the app's code becomes later; a test checks
that the copy and the app agree.
"""

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC
from typing import Any

import django.utils.timezone
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

GENESIS = "0" * 64
FIELDS = (
    "id",
    "at",
    "event",
    "actor_id",
    "patient_id",
    "facility_id",
    "request_id",
    "object_type",
    "object_id",
    "changes",
    "ip_address",
)


def _json_value(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return value


def digest_v1(fields: Mapping[str, Any], prev_hash: str) -> str:
    content = {name: fields[name] for name in FIELDS}
    content["at"] = fields["at"].astimezone(UTC).isoformat(timespec="microseconds")
    content["changes"] = _json_value(fields["changes"] or {})
    content["ip_address"] = fields["ip_address"] or None
    content["prev"] = prev_hash
    content["v"] = 1
    text = json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def backfill(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Link every existing event, oldest id first, and record the head of the chain."""
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    prev, last_id, count = GENESIS, None, 0
    while True:
        # Pages by id rather than one open cursor: SQLite should not read a table it rewrites.
        rows = AuditEvent.objects.order_by("id").values(*FIELDS)
        page = list(rows.filter(id__gt=last_id)[:2000] if last_id is not None else rows[:2000])
        if not page:
            break
        for row in page:
            digest = digest_v1(row, prev)
            AuditEvent.objects.filter(pk=row["id"]).update(prev_hash=prev, chain_hash=digest)
            prev, last_id, count = digest, row["id"], count + 1
    AuditChainHead.objects.create(id=1, last_event_id=last_id, last_hash=prev, events=count)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="chain_hash",
            field=models.CharField(
                default="",
                help_text="SHA-256 of this event's canonical form and prev_hash.",
                max_length=64,
            ),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(
                default="0000000000000000000000000000000000000000000000000000000000000000",
                help_text="The chain hash of the event before this one.",
                max_length=64,
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="at",
            field=models.DateTimeField(
                db_index=True, default=django.utils.timezone.now, editable=False
            ),
        ),
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("last_event_id", models.BigIntegerField(blank=True, null=True)),
                (
                    "last_hash",
                    models.CharField(
                        default="0000000000000000000000000000000000000000000000000000000000000000",
                        max_length=64,
                    ),
                ),
                (
                    "events",
                    models.BigIntegerField(default=0, help_text="How many events the chain holds."),
                ),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("id", 1)), name="audit_chain_one_head"
                    )
                ],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False),
    ]
