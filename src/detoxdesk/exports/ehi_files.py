"""Writing an EHI export: one JSON file per kind of record, a manifest and a README documenting
every field from the models' own metadata. Written in a temporary folder beside the target and
renamed into place at the end, so a failed or refused export leaves nothing behind."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.db import models

from detoxdesk.exports import ehi
from detoxdesk.patients.models import Patient


class ExportProblem(ValueError):
    """The export cannot be written where asked; the message says why."""


def describe_field(f: models.Field[Any, Any]) -> str:
    """A field's documentation: its label, help text, allowed values and what it points to."""
    parts = [str(f.verbose_name).capitalize() + "."]
    if f.help_text:
        parts.append(str(f.help_text))
    if isinstance(f.related_model, type):
        parts.append(f"The id of the {f.related_model._meta.label_lower} record it points to.")
    if f.choices:
        allowed = ", ".join(f"`{code}` ({label})" for code, label in f.flatchoices)
        parts.append(f"One of: {allowed}.")
    if f.null:
        parts.append("May be null.")
    return " ".join(parts)


FIELD_TYPES = {
    "AutoField": "integer",
    "BigAutoField": "integer",
    "BigIntegerField": "integer",
    "BinaryField": "base64 text",
    "BooleanField": "true or false",
    "CharField": "text",
    "DateField": "date (ISO-8601)",
    "DateTimeField": "date-time (ISO-8601, with offset)",
    "DecimalField": "decimal number as text",
    "EmailField": "text (e-mail address)",
    "FloatField": "number",
    "ForeignKey": "id",
    "GenericIPAddressField": "text (IP address)",
    "IntegerField": "integer",
    "JSONField": "JSON",
    "OneToOneField": "id",
    "PositiveIntegerField": "integer",
    "PositiveSmallIntegerField": "integer",
    "SmallIntegerField": "integer",
    "TextField": "text",
    "TimeField": "time (ISO-8601)",
    "URLField": "text (web address)",
    "UUIDField": "UUID",
}


def field_type(f: models.Field[Any, Any]) -> str:
    kind = f.get_internal_type()
    return FIELD_TYPES.get(kind, kind)


def _model_doc(model: type[models.Model]) -> str:
    doc = (model.__doc__ or "").strip()
    # Django's generated docstring is only the field list: not worth repeating.
    if not doc or doc.startswith(f"{model.__name__}("):
        return ""
    return " ".join(doc.split("\n\n")[0].split())


def readme(kinds: Iterable[ehi.Kind], heading: str) -> str:
    """The README: what the export is, then each file with a table of every field."""
    lines = [
        f"# {heading}",
        "",
        "An electronic health information export of Detox Desk (ONC 170.315(b)(10)). Each",
        '`<app>.<model>.json` file holds one kind of record as `{"kind", "records", "count"}`;',
        "a foreign key holds the `id` of the record it points to, in the file of that kind.",
        "`manifest.json` lists the files, when the export was made and, for a patient's export,",
        "the disclosure it was made under with the 42 CFR Part 2 notice.",
        "Password hashes and invitation tokens are never exported.",
        "",
    ]
    kinds = list(kinds)
    for kind in kinds:
        meta = kind.model._meta
        lines += [f"## {kind.filename}", "", f"{str(meta.verbose_name_plural).capitalize()}."]
        doc = _model_doc(kind.model)
        if doc:
            lines += ["", doc]
        lines += ["", "| field | type | meaning |", "| --- | --- | --- |"]
        for f in kind.fields():
            meaning = describe_field(f).replace("|", "\\|").replace("\n", " ")
            lines.append(f"| `{f.name}` | {field_type(f)} | {meaning} |")
        lines.append("")
    if any(kind.label == "audit.auditevent" for kind in kinds):
        lines += _event_names()
    return "\n".join(lines)


def _event_names() -> list[str]:
    """The meaning of each audit event name (the ``event`` field of audit.auditevent)."""
    from detoxdesk.audit.events import EVENTS

    lines = ["## Audit event names", "", "| event | meaning |", "| --- | --- |"]
    lines += [f"| `{name}` | {label} |" for name, label in sorted(EVENTS.items())]
    return [*lines, ""]


def write_kind(folder: Path, kind: ehi.Kind, patient: Patient | None) -> int:
    """Stream ``kind``'s rows into its file; the number of rows written."""
    count = 0
    with (folder / kind.filename).open("w", encoding="utf-8") as out:
        out.write(f'{{"kind": {json.dumps(kind.label)}, "records": [')
        for record in ehi.stream(kind, patient):
            out.write(",\n" if count else "\n")
            out.write(json.dumps(record, ensure_ascii=False, sort_keys=True))
            count += 1
        out.write(f'\n], "count": {count}}}\n')
    return count


def check_target(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise ExportProblem(f"{out} is a file, not a folder.")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ExportProblem(f"{out} is not empty: choose an empty folder, or add --force.")
    if not out.parent.is_dir():
        raise ExportProblem(f"The folder {out.parent} does not exist.")


def write_export(
    out: Path,
    *,
    kinds: Iterable[ehi.Kind],
    patient: Patient | None,
    heading: str,
    force: bool,
    finish: Callable[[dict[str, int]], dict[str, Any]],
) -> dict[str, Any]:
    """Write every kind into a temporary folder, call ``finish(counts)`` for the manifest (it may
    refuse by raising: then nothing is left), and rename the folder to ``out``."""
    check_target(out, force)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        kinds = list(kinds)
        counts = {kind.filename: write_kind(staging, kind, patient) for kind in kinds}
        (staging / "README.md").write_text(readme(kinds, heading), encoding="utf-8")
        manifest = finish(counts)
        text = json.dumps(manifest, indent=2, ensure_ascii=False)
        (staging / "manifest.json").write_text(text + "\n", encoding="utf-8")
        _swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def _swap_in(staging: Path, out: Path) -> None:
    """Put ``staging`` at ``out``; an existing (empty or forced) ``out`` is replaced whole."""
    if not out.exists():
        os.replace(staging, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
    os.replace(out, old / "export")
    os.replace(staging, out)
    shutil.rmtree(old, ignore_errors=True)
