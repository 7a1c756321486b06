"""Consistent backups of the product's database, SQLite or PostgreSQL.

SQLite: the online backup API copies a consistent snapshot while the program runs, then the
copy is checked (``PRAGMA quick_check``). PostgreSQL: ``pg_dump`` in its custom format, which
reads one snapshot of the database and restores with ``pg_restore``. Either way the file is
written under a temporary name and renamed when complete, so a file with the final name is
always a whole backup. ``docs/operations.md`` has the restore procedure.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from datetime import UTC
from pathlib import Path

from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone


class BackupError(Exception):
    """The backup could not be written; the message says why and what to do."""


def backup(connection: BaseDatabaseWrapper, directory: Path) -> Path:
    """Write one backup of ``connection``'s database into ``directory`` and return its path."""
    _prepare(directory)
    stamp = timezone.now().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    if connection.vendor == "sqlite":
        return _finish(_unused(directory, stamp, ".sqlite3"), lambda tmp: _sqlite(connection, tmp))
    if connection.vendor == "postgresql":
        return _finish(_unused(directory, stamp, ".dump"), lambda tmp: _postgres(connection, tmp))
    raise BackupError(f"Backups of a {connection.vendor} database are not supported.")


def _prepare(directory: Path) -> None:
    if directory.exists() and not directory.is_dir():
        raise BackupError(f"{directory} exists and is not a directory.")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"Cannot create the directory {directory}: {exc.strerror}.") from None
    if not os.access(directory, os.W_OK):
        raise BackupError(f"Cannot write into {directory}: permission denied.")


def _unused(directory: Path, stamp: str, suffix: str) -> Path:
    """``detoxdesk-<UTC time><suffix>``, numbered when a backup of that second exists."""
    path = directory / f"detoxdesk-{stamp}{suffix}"
    number = 2
    while path.exists():
        path = directory / f"detoxdesk-{stamp}-{number}{suffix}"
        number += 1
    return path


def _finish(path: Path, write: object) -> Path:
    partial = path.with_name(path.name + ".partial")
    try:
        write(partial)  # type: ignore[operator]
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def _sqlite(connection: BaseDatabaseWrapper, target: Path) -> None:
    if connection.in_atomic_block:
        # The copy would wait for this very connection's open transaction, for ever.
        raise BackupError("Back up outside a transaction: this connection has one open.")
    connection.ensure_connection()
    source = connection.connection
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        (verdict,) = copy.execute("PRAGMA quick_check").fetchone()
    except sqlite3.Error as exc:
        raise BackupError(f"The SQLite backup failed: {exc}.") from None
    finally:
        copy.close()
    if verdict != "ok":
        raise BackupError(f"The SQLite backup failed its check: {verdict}.")


def _postgres(connection: BaseDatabaseWrapper, target: Path) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError(
            "pg_dump was not found on PATH: install the PostgreSQL client tools "
            "(the same major version as the server or newer)."
        )
    command = [pg_dump, "--format=custom", "--no-password", f"--file={target}"]
    try:
        done = subprocess.run(  # noqa: S603 - fixed program and arguments, no shell
            command, env=postgres_environment(connection), capture_output=True, text=True
        )
    except OSError as exc:
        raise BackupError(f"pg_dump could not be started: {exc.strerror}.") from None
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed (exit status {done.returncode}): {done.stderr.strip()}")


def postgres_environment(connection: BaseDatabaseWrapper) -> dict[str, str]:
    """The environment that points libpq's tools at ``connection``'s database.

    Through the environment rather than arguments, so the password never shows in a process
    list.
    """
    params = connection.settings_dict
    env = dict(os.environ)
    values = {
        "PGDATABASE": params.get("NAME"),
        "PGUSER": params.get("USER"),
        "PGPASSWORD": params.get("PASSWORD"),
        "PGHOST": params.get("HOST"),
        "PGPORT": params.get("PORT"),
        "PGSSLMODE": (params.get("OPTIONS") or {}).get("sslmode"),
    }
    env.update({name: str(value) for name, value in values.items() if value})
    return env
