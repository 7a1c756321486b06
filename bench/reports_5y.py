"""Five years of a program in PostgreSQL, and the time of the whole five-year quality report.

    .venv/bin/python bench/reports_5y.py

Creates a PostgreSQL database of its own (``dd_bench_reports_5y`` on 127.0.0.1:5432, user
postgres, or the server named by ``BENCH_PG_URL``), migrates it, seeds it with ``seed_five_years``
(over 100,000 episodes with their assessments, doses, discharges, bundles, hand-offs and
follow-ups, written with COPY), times ``measure_report_5y`` and drops the database. It prints
``report_5y_ms``. ``bench/run.py`` may call the two functions with a DSN of its own.
"""

from __future__ import annotations

import os
import random
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

EPISODES = 100_000
YEARS = 5
FIRST_DAY = date(2021, 1, 1)
FACILITIES = 4
ASSESSMENTS_PER_EPISODE = 6
DOSES_PER_EPISODE = 3
FOLLOW_UP_DAYS = (3, 7, 30, 90)
KINDS = ("completed", "completed", "completed", "ama", "transferred", "administrative")


def _django(dsn: str) -> None:
    os.environ["DATABASE_URL"] = dsn
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "detoxdesk.config.settings")
    import django

    django.setup()


def _columns(model: Any, given: dict[str, Any]) -> tuple[list[str], list[Any]]:
    """Column names of ``model`` and, for the ones not ``given``, their constant defaults."""
    from django.db.models import NOT_PROVIDED, CharField, TextField

    names, fill = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key and f.column not in given:
            continue  # the table's own sequence numbers it
        names.append(f.column)
        if f.column in given:
            fill.append(given[f.column])
        elif f.default is not NOT_PROVIDED:
            fill.append(f.get_default() if not callable(f.default) else _Call(f.default))
        elif f.null:
            fill.append(None)
        elif isinstance(f, CharField | TextField):
            fill.append("")
        else:
            raise ValueError(f"{model.__name__}.{f.column} needs a value")
    return names, fill


class _Call:
    def __init__(self, fn: Any) -> None:
        self.fn = fn


def _copy(cur: Any, model: Any, rows: Iterable[dict[str, Any]]) -> int:
    from psycopg import sql
    from psycopg.types.json import Jsonb

    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return 0
    names, template = _columns(model, first)
    index = {n: i for i, n in enumerate(names)}
    table = model._meta.db_table
    count = 0
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(n) for n in names)
    )
    with cur.copy(statement) as copy:
        for row in _chain(first, iterator):
            values = list(template)
            for k, v in row.items():
                values[index[k]] = v
            for i, v in enumerate(values):
                if isinstance(v, _Call):
                    values[i] = v.fn()
                if isinstance(values[i], dict | list):
                    values[i] = Jsonb(values[i])
            copy.write_row(values)
            count += 1
    cur.execute(
        sql.SQL(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT COALESCE(MAX(id), 1) FROM {}))"
        ).format(sql.Identifier(table)),
        [f'"{table}"'],
    )
    return count


def _chain(first: dict[str, Any], rest: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    yield first
    yield from rest


def seed_five_years(dsn: str) -> dict[str, int]:
    """Migrate the database at ``dsn`` and fill it with five years of one program."""
    _django(dsn)
    from django.core.management import call_command
    from django.db import connection

    from detoxdesk.accounts.models import User
    from detoxdesk.aftercare.models import Appointment, BundleItem, Discharge, FollowUp
    from detoxdesk.medications.models import Administration, Order, OrderLine
    from detoxdesk.monitoring.models import Assessment
    from detoxdesk.patients.models import Episode, Facility, Patient, Program

    call_command("migrate", verbosity=0)
    rnd = random.Random(17)
    program = Program.objects.create(name="Bench Program", assessment_interval_minutes=240)
    facilities = [
        Facility.objects.create(program=program, name=f"Unit {i}", kind="inpatient")
        for i in range(FACILITIES)
    ]
    nurse = User.objects.create(username="bench-nurse")
    span = (YEARS * 365) * 86400
    start = datetime.combine(FIRST_DAY, datetime.min.time(), tzinfo=UTC)
    n_patients = EPISODES * 7 // 10
    episodes: list[tuple[int, int, int, datetime, datetime]] = []
    for i in range(EPISODES):
        admitted = start + timedelta(seconds=rnd.randrange(span))
        stay = timedelta(hours=rnd.randint(24, 14 * 24))
        episodes.append(
            (
                i + 1,
                rnd.randrange(n_patients) + 1,
                facilities[i % FACILITIES].pk,
                admitted,
                admitted + stay,
            )
        )
    counts: dict[str, int] = {}
    with connection.cursor() as wrapper:
        cur = wrapper.cursor
        counts["patients"] = _copy(
            cur,
            Patient,
            (
                {
                    "id": p,
                    "uuid": uuid.uuid4(),
                    "program_id": program.pk,
                    "record_number": f"B{p}",
                    "given_name": "Bench",
                    "family_name": f"Patient{p}",
                    "date_of_birth": date(1980, 1, 1) + timedelta(days=p % 9000),
                }
                for p in range(1, n_patients + 1)
            ),
        )
        counts["episodes"] = _copy(
            cur,
            Episode,
            (
                {
                    "id": e,
                    "uuid": uuid.uuid4(),
                    "patient_id": p,
                    "facility_id": f,
                    "status": "discharged",
                    "stage": "aftercare",
                    "admitted_at": a,
                    "discharged_at": d,
                }
                for e, p, f, a, d in episodes
            ),
        )
        counts["assessments"] = _copy(
            cur,
            Assessment,
            (
                {
                    "episode_id": e,
                    "uuid": uuid.uuid4(),
                    "scale": "cows",
                    "items": {},
                    "total": 4,
                    "performed_at": a + timedelta(minutes=k * rnd.choice((230, 240, 260))),
                    "recorded_at": a + timedelta(minutes=k * 240 + 5),
                    "recorded_by_id": nurse.pk,
                    "policy_version": 1,
                }
                for e, _p, _f, a, _d in episodes
                for k in range(ASSESSMENTS_PER_EPISODE)
            ),
        )
        # What recording keeps on each assessment (monitoring.sequence.link): the time of the
        # episode's latest earlier one.
        cur.execute(
            """
            UPDATE monitoring_assessment a SET previous_at = w.previous_at
            FROM (
                SELECT id, MAX(performed_at) OVER (
                    PARTITION BY episode_id ORDER BY performed_at
                    RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE GROUP
                ) AS previous_at
                FROM monitoring_assessment
            ) w
            WHERE a.id = w.id AND w.previous_at IS NOT NULL
            """
        )
        counts["order_lines"] = _copy(
            cur,
            OrderLine,
            (
                {
                    "id": e,
                    "uuid": uuid.uuid4(),
                    "episode_id": e,
                    "drug": "buprenorphine",
                    "protocol": "standing",
                    "created_at": a,
                }
                for e, _p, _f, a, _d in episodes
            ),
        )
        counts["orders"] = _copy(
            cur,
            Order,
            (
                {
                    "id": e,
                    "uuid": uuid.uuid4(),
                    "line_id": e,
                    "version": 1,
                    "drug": "buprenorphine",
                    "dose_mg": Decimal("4"),
                    "route": "sublingual",
                    "signed_by_id": nurse.pk,
                    "signed_at": a,
                }
                for e, _p, _f, a, _d in episodes
            ),
        )
        counts["doses"] = _copy(
            cur,
            Administration,
            (
                {
                    "uuid": uuid.uuid4(),
                    "episode_id": e,
                    "line_id": e,
                    "order_id": e,
                    "drug": "buprenorphine",
                    "outcome": "given",
                    "occurred_at": a + timedelta(hours=6 * k + 1),
                    "recorded_at": a + timedelta(hours=6 * k + 1),
                    "recorded_by_id": nurse.pk,
                }
                for e, _p, _f, a, _d in episodes
                for k in range(DOSES_PER_EPISODE)
            ),
        )
        counts["discharges"] = _copy(
            cur,
            Discharge,
            (
                {
                    "id": e,
                    "uuid": uuid.uuid4(),
                    "episode_id": e,
                    "patient_id": p,
                    "kind": KINDS[e % len(KINDS)],
                    "status": "signed",
                    "started_by_id": nurse.pk,
                    "started_at": d - timedelta(hours=2),
                    "signed_by_id": nurse.pk,
                    "signed_at": d,
                }
                for e, p, _f, _a, d in episodes
            ),
        )
        counts["bundle_items"] = _copy(
            cur,
            BundleItem,
            (
                {
                    "discharge_id": e,
                    "code": code,
                    "status": "done" if e % 5 else "declined",
                    "reason": "" if e % 5 else "Patient's choice",
                    "details": (
                        {"moud_option": "methadone" if e % 3 == 0 else "buprenorphine"}
                        if code == "moud"
                        else {"naloxone_how": "dispensed" if e % 2 else "prescribed"}
                    )
                    if e % 5
                    else {},
                }
                for e, _p, _f, _a, _d in episodes
                for code in ("moud", "naloxone")
            ),
        )
        counts["appointments"] = _copy(
            cur,
            Appointment,
            (
                {
                    "uuid": uuid.uuid4(),
                    "discharge_id": e,
                    "patient_id": p,
                    "when": d + timedelta(hours=rnd.choice((24, 48, 70, 96))),
                    "provider_name": "Harbor Clinic",
                    "is_warm_handoff": True,
                }
                for e, p, _f, _a, d in episodes
            ),
        )
        # What signing keeps on each discharge for the report (aftercare.measured.fill_measured).
        cur.execute(
            """
            UPDATE aftercare_discharge d SET
                moud_status = COALESCE(m.status, ''),
                moud_option = COALESCE(m.details->>'moud_option', ''),
                naloxone_status = COALESCE(n.status, ''),
                naloxone_how = COALESCE(n.details->>'naloxone_how', ''),
                warm_handoff_at = h.first
            FROM aftercare_discharge x
            LEFT JOIN aftercare_bundleitem m ON m.discharge_id = x.id AND m.code = 'moud'
            LEFT JOIN aftercare_bundleitem n ON n.discharge_id = x.id AND n.code = 'naloxone'
            LEFT JOIN (
                SELECT discharge_id, MIN("when") AS first FROM aftercare_appointment
                WHERE is_warm_handoff GROUP BY discharge_id
            ) h ON h.discharge_id = x.id
            WHERE d.id = x.id
            """
        )
        counts["follow_ups"] = _copy(
            cur,
            FollowUp,
            (
                {
                    "uuid": uuid.uuid4(),
                    "discharge_id": e,
                    "patient_id": p,
                    "facility_id": f,
                    "day_offset": day,
                    "due_on": (d + timedelta(days=day)).date(),
                    "recorded_at": d + timedelta(days=day),
                    "recorded_by_id": nurse.pk,
                    "reached": e % 4 != 0,
                }
                for e, p, f, _a, d in episodes
                for day in FOLLOW_UP_DAYS
            ),
        )
        # What autovacuum does to a database that has lived five years: fresh statistics and a
        # visibility map, without which every index-only scan would still read the table.
        cur.execute("VACUUM ANALYZE")
    return counts


def measure_report_5y(dsn: str) -> float:
    """Milliseconds for the whole five-year report, by month, over every facility."""
    _django(dsn)
    from detoxdesk.patients.models import Facility
    from detoxdesk.reports.queries import Range, build_report

    ids = list(Facility.objects.values_list("pk", flat=True))
    rng = Range(FIRST_DAY, date(FIRST_DAY.year + YEARS, 1, 1) - timedelta(days=1))
    build_report(rng, ids)  # the first run warms the connection and the caches
    began = time.perf_counter()
    build_report(rng, ids)
    elapsed = (time.perf_counter() - began) * 1000
    if os.environ.get("BENCH_SHOW_QUERIES"):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            build_report(rng, ids)
        for q in captured.captured_queries:
            print(q["time"], q["sql"][:160])
    return elapsed


def main() -> None:
    import psycopg

    server = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    name = "dd_bench_reports_5y"
    base = server.rsplit("/", 1)[0]
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    try:
        dsn = f"{base}/{name}"
        began = time.perf_counter()
        counts = seed_five_years(dsn)
        print(f"seeded {counts} in {time.perf_counter() - began:.1f} s")
        print(f"report_5y_ms {measure_report_5y(dsn):.0f}")
    finally:
        from django.db import connections

        connections.close_all()
        if not os.environ.get("BENCH_KEEP_DB"):
            with psycopg.connect(server, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
