"""``manage.py backup DIR``: a consistent copy that restores whole, with its audit chain intact."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from io import StringIO
from pathlib import Path
from types import SimpleNamespace

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from detoxdesk.audit import backup, log
from detoxdesk.monitoring import actions
from factories import COWS_ALL_ZERO, Unit


def run_backup(directory: Path) -> Path:
    out = StringIO()
    call_command("backup", str(directory), stdout=out)
    return Path(out.getvalue().strip())


def some_history() -> None:
    unit = Unit()
    actions.do_record_assessment(
        unit.episode,
        "cows",
        COWS_ALL_ZERO,
        acting_user=unit.nurse,
        performed_at=unit.episode.admitted_at,
    )
    for _ in range(3):
        log.record("chart.viewed", actor=unit.nurse, patient=unit.patient, ip_address="::1")


def verify_audit_on(database_url: str) -> subprocess.CompletedProcess[str]:
    """``manage.py verify_audit`` in its own process, on the database at ``database_url``."""
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "manage.py", "verify_audit"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def live_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - introspected names
            counts[table] = cursor.fetchone()[0]
        return counts


@pytest.mark.django_db(transaction=True)
def test_an_sqlite_backup_restores_whole_and_its_chain_verifies(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("The SQLite backup; the PostgreSQL one has its own test.")
    some_history()
    written = run_backup(tmp_path / "backups")
    assert written.parent == tmp_path / "backups"
    assert written.name.startswith("detoxdesk-") and written.suffix == ".sqlite3"
    assert [p.name for p in written.parent.iterdir()] == [written.name]  # no partial file left
    # Restore: copy the file where the program expects its database, and open it.
    restored = tmp_path / "restored.sqlite3"
    shutil.copyfile(written, restored)
    with sqlite3.connect(restored) as copy:
        counts = {
            table: copy.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]  # noqa: S608
            for table in live_counts()
        }
    assert counts == live_counts()
    assert counts["audit_auditevent"] >= 4
    done = verify_audit_on(f"sqlite:///{restored}")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith(f"audit chain intact: {counts['audit_auditevent']} events")


@pytest.mark.django_db(transaction=True)
def test_a_postgresql_backup_restores_into_a_new_database_and_its_chain_verifies(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("The PostgreSQL backup; the SQLite one has its own test.")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        if os.environ.get("CI") == "true":
            pytest.fail("pg_dump and pg_restore must be installed in CI.")
        pytest.skip("The PostgreSQL client tools are not installed.")
    some_history()
    written = run_backup(tmp_path)
    assert written.suffix == ".dump"
    params = connection.settings_dict
    fresh = f"{params['NAME']}_restored"
    admin = {
        "host": params["HOST"] or None,
        "port": params["PORT"] or None,
        "user": params["USER"] or None,
        "password": params["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
        server.execute(f'CREATE DATABASE "{fresh}"')
    try:
        env = {**backup.postgres_environment(connection), "PGDATABASE": fresh}
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={fresh}", str(written)],
            env=env,
            check=True,
            capture_output=True,
        )
        with psycopg.connect(dbname=fresh, **admin) as copy:
            counts = {
                table: copy.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]  # noqa: S608
                for table in live_counts()
            }
        assert counts == live_counts()
        assert counts["audit_auditevent"] >= 4
        user = (
            f"{params['USER']}:{params['PASSWORD']}@"
            if params["PASSWORD"]
            else f"{params['USER']}@"
        )
        url = f"postgres://{user}{params['HOST']}:{params['PORT']}/{fresh}"
        done = verify_audit_on(url)
        assert (done.returncode, done.stderr) == (0, "")
        assert done.stdout.startswith(f"audit chain intact: {counts['audit_auditevent']} events")
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **admin) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{fresh}"')


def test_it_refuses_a_target_that_is_a_file(db, tmp_path):
    target = tmp_path / "a-file"
    target.write_text("")
    with pytest.raises(CommandError, match="exists and is not a directory"):
        call_command("backup", str(target))


def test_it_numbers_a_second_backup_of_the_same_second(tmp_path):
    (tmp_path / "detoxdesk-20260302T150000Z.sqlite3").write_text("")
    second = backup._unused(tmp_path, "20260302T150000Z", ".sqlite3")
    assert second.name == "detoxdesk-20260302T150000Z-2.sqlite3"


def test_it_refuses_to_back_up_sqlite_inside_a_transaction(db, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("pg_dump reads its own snapshot.")
    with pytest.raises(CommandError, match="outside a transaction"):
        call_command("backup", str(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_it_says_when_pg_dump_is_missing(tmp_path, monkeypatch):
    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    stub = SimpleNamespace(settings_dict={"NAME": "detoxdesk"}, vendor="postgresql")
    with pytest.raises(backup.BackupError, match="pg_dump was not found on PATH"):
        backup._postgres(stub, tmp_path / "x.dump")  # type: ignore[arg-type]


def test_it_passes_on_what_pg_dump_said_when_it_fails(tmp_path):
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed.")
    stub = SimpleNamespace(
        settings_dict={"NAME": "no_such_database_here", "HOST": "127.0.0.1", "USER": "postgres"},
    )
    with pytest.raises(backup.BackupError, match="pg_dump failed .*no_such_database_here"):
        backup._postgres(stub, tmp_path / "x.dump")  # type: ignore[arg-type]
