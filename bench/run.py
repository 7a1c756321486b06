"""The benchmark: a synthetic network on PostgreSQL, served by the shipped gunicorn configuration.

    python3 bench/run.py --quick --json bench.json      # about 5 minutes on 2 cores
    python3 bench/run.py --json bench.json              # full: adds 100,000 and a 10 M-row table

It creates its own database (on the server of ``DATABASE_URL``, or postgres://postgres@127.0.0.1:5432/
by default), migrates it, seeds a network with fast bulk inserts (COPY for the observations,
multi-row inserts for the rest), serves it with ``gunicorn -c python:detoxdesk.config.gunicorn``
under production settings, measures, stops the server, drops the database, prints a table and
writes JSON with exactly the keys of ``RESULT_KEYS``.

What is measured (every figure in this run; nothing carried over):

* ``raw_insert_commit_per_s``: one psycopg ``INSERT`` + ``COMMIT`` per operation, the ceiling.
* ``record_form_per_s``: the COWS form posted with its vital signs, as a nurse saves it (302).
* ``record_api_per_s``: the same through the token API (201).
* ``chart_p50_ms``: the chart of a patient whose stay has 20, 3,000, 32,000 (full: 100,000)
  assessments.
* ``census_p95_ms``: the census of one unit of 20 beds, and of the whole network (2,000 active).
* ``record_api_by_history_per_s``: the API's recording at 1 client into the stays of the
  shortest and the longest history (20 and 32,000; full: 100,000), measured last.
* ``api_refusal_per_s``: the recording request without a token, refused before any statement, at
  1 client: the cost of answering at all, the floor under the API's figures.
* ``record_api_in_process_per_s`` and ``record_api_database_only_per_s``: the same recording
  run in this process without HTTP (Django's test client, the same settings and database), as
  recordings per second of its whole time and of the time its statements and its commit spend
  with the database, as the driver sees it: the second is the ceiling over the API's rate at
  1 client.
* ``report_5y_ms`` (full run only): the whole five-year quality report by month, over five years
  of a program in a database of its own (``bench/reports_5y.py``, run as a process of its own).
* ``chart_statements`` / ``census_statements``: SQL statements of one request, counted by running
  the same view in this process with Django's test client under ``CaptureQueriesContext``,
  against the same database and settings (the server itself counts nothing).

Each throughput is a closed loop (each client sends its next request when the last is answered)
with 1 and 8 clients: a warm-up, then a timed window, three times; the median of the three is
reported. Latencies are per repeat (p50 or p95 of the window, at least a few requests) and then
the median of the three. It is not a test and CI does not run it: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/"
CLIENTS = (1, 8)
QUICK_HISTORIES = (20, 3000, 32000)
FULL_HISTORIES = (*QUICK_HISTORIES, 100000)
ACTIVE_EPISODES = 2000
UNIT_BEDS = 20
FACILITIES = 10  # one unit of 20 beds, the rest of the network spread over the others
BIG_TABLE_ROWS = 10_000_000  # full mode: assessments in all, so the indexes are those of a big site
# The full run adds one figure beside RESULT_KEYS: the five-year quality report, in milliseconds.
REPORT_KEY = "report_5y_ms"
# Every run adds one more: the API's recording rate (1 client) into the stay of the shortest and
# of the longest history, after the charts are measured, to show a write's cost does not grow
# with the history it joins.
HISTORY_KEY = "record_api_by_history_per_s"
# And the floor under every API figure: the same recording request without a token, refused
# (401) before any statement, at 1 client. What serving an answer costs (HTTP, gunicorn, Django's
# middleware, the API's routing), beside what the raw insert + commit costs.
FLOOR_KEY = "api_refusal_per_s"
# And the ceiling over them at 1 client: the same recording run in the bench's own process
# (Django's test client, the same settings and database, no HTTP), timed whole and timed only
# while its statements and its commit are with the database. 1000 ms over the second time is the
# rate no server could pass on one connection while a recording sends these statements.
IN_PROCESS_KEY = "record_api_in_process_per_s"
DATABASE_KEY = "record_api_database_only_per_s"
RESULT_KEYS: dict[str, tuple[str, ...]] = {
    "raw_insert_commit_per_s": ("1", "8"),
    "record_form_per_s": ("1", "8"),
    "record_api_per_s": ("1", "8"),
    "chart_p50_ms": tuple(str(n) for n in QUICK_HISTORIES),
    "chart_statements": tuple(str(n) for n in QUICK_HISTORIES),
    "census_p95_ms": ("unit", "network"),
    "census_statements": ("unit", "network"),
}


@dataclass(frozen=True)
class Plan:
    """How long each part runs: ``--quick`` or the full run."""

    quick: bool
    warmup_s: float
    window_s: float
    repeats: int = 3
    min_samples: int = 3
    histories: tuple[int, ...] = QUICK_HISTORIES
    big_table_rows: int = 0
    workers: int = 4


def plan_for(quick: bool, workers: int) -> Plan:
    if quick:
        return Plan(True, warmup_s=1.0, window_s=5.0, workers=workers)
    return Plan(
        False,
        warmup_s=3.0,
        window_s=15.0,
        min_samples=5,
        histories=FULL_HISTORIES,
        big_table_rows=BIG_TABLE_ROWS,
        workers=workers,
    )


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the short run (within 15 minutes)")
    parser.add_argument("--json", metavar="FILE", type=Path, help="write the results here")
    parser.add_argument(
        "--workers", type=int, default=4, help="gunicorn workers (GUNICORN_WORKERS), default 4"
    )
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    return args


def build_result(measured: dict[str, dict[str, float]], histories: Sequence[int]) -> dict[str, Any]:
    """The JSON document: exactly RESULT_KEYS, with the full run's extra history sizes."""
    result: dict[str, Any] = {}
    for key, subkeys in RESULT_KEYS.items():
        wanted = list(subkeys)
        if key.startswith("chart_"):
            wanted = [str(n) for n in histories]
        values = measured.get(key, {})
        missing = [k for k in wanted if k not in values]
        if missing:
            raise ValueError(f"{key} lacks {', '.join(missing)}")
        result[key] = {k: _rounded(values[k]) for k in wanted}
    return result


def _rounded(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 1)


def format_table(result: dict[str, Any], raw: dict[str, float] | None = None) -> str:
    lines = [f"{'measure':<32} {'key':>8} {'value':>12}"]
    for key, values in result.items():
        for sub, value in values.items():
            note = ""
            if raw and key.startswith("record_") and raw.get(sub):
                note = f"  ({100 * value / raw[sub]:.1f} % of raw)"
            lines.append(f"{key:<32} {sub:>8} {value:>12}{note}")
    return "\n".join(lines)


# --- The database ---------------------------------------------------------------------------------


def server_url() -> str:
    return os.environ.get("DATABASE_URL") or DEFAULT_SERVER


def with_database(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def admin(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(statement)


# --- Seeding --------------------------------------------------------------------------------------


@dataclass
class Network:
    nurse_id: int = 0
    unit_facility: str = ""
    history_patients: dict[int, str] = field(default_factory=dict)
    history_episodes: dict[int, str] = field(default_factory=dict)
    record_episodes: list[str] = field(default_factory=list)


COWS_ITEMS = (
    "resting_pulse_rate",
    "sweating",
    "restlessness",
    "pupil_size",
    "bone_joint_aches",
    "runny_nose_tearing",
    "gi_upset",
    "tremor",
    "yawning",
    "anxiety_irritability",
    "gooseflesh_skin",
)


def seed(plan: Plan) -> Network:
    """Facilities, beds, 2,000 active episodes, their histories; a nurse at every facility."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from detoxdesk.accounts.models import Membership, Role, User
    from detoxdesk.patients.models import Bed, Episode, Facility, Patient, Program

    now = timezone.now()
    network = Network()
    with transaction.atomic():
        program = Program.objects.create(name="Bench Network", assessment_interval_minutes=240)
        sizes = [UNIT_BEDS] + _spread(ACTIVE_EPISODES - UNIT_BEDS, FACILITIES - 1)
        facilities = Facility.objects.bulk_create(
            [
                Facility(program=program, name=f"Site {i:02d}", kind="inpatient")
                for i in range(len(sizes))
            ]
        )
        network.unit_facility = str(facilities[0].uuid)
        nurse = User.objects.create(username="bench-nurse", password=make_password(None))
        network.nurse_id = nurse.pk
        Membership.objects.bulk_create(
            [Membership(user=nurse, facility=f, role=Role.NURSE) for f in facilities]
        )
        beds = Bed.objects.bulk_create(
            [
                Bed(facility=f, label=f"B{n:03d}")
                for f, size in zip(facilities, sizes, strict=True)
                for n in range(size)
            ],
            batch_size=1000,
        )
        patients = Patient.objects.bulk_create(
            [
                Patient(
                    program=program,
                    registered_at=bed.facility,
                    record_number=f"MRN{n:06d}",
                    given_name=f"Given{n}",
                    family_name=f"Family{n:04d}",
                    date_of_birth=date(1980 + n % 30, 1 + n % 12, 1 + n % 28),
                )
                for n, bed in enumerate(beds)
            ],
            batch_size=1000,
        )
        admitted = [now - timedelta(hours=30) for _ in beds]
        for index, size in enumerate(plan.histories):
            admitted[index] = now - timedelta(minutes=size * 2 + 120)
        episodes = Episode.objects.bulk_create(
            [
                Episode(patient=p, facility=b.facility, bed=b, admitted_at=a)
                for p, b, a in zip(patients, beds, admitted, strict=True)
            ],
            batch_size=1000,
        )
    for index, size in enumerate(plan.histories):
        network.history_patients[size] = str(patients[index].uuid)
        network.history_episodes[size] = str(episodes[index].uuid)
    # The recording clients write to episodes of their own, away from the history episodes.
    network.record_episodes = [str(e.uuid) for e in episodes[len(plan.histories) :][::7][:16]]
    rows = _observation_rows(episodes, admitted, plan, nurse.pk, now)
    with connection.cursor() as cursor:
        raw = cursor.connection
        _copy_assessments(raw, rows)
        _copy_vitals(raw, episodes, nurse.pk, now)
        if plan.big_table_rows:
            _copy_assessments(raw, _filler(episodes, nurse.pk, now, plan.big_table_rows))
        raw.commit()
        cursor.execute("ANALYZE")
    return network


def _spread(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def _assessment(episode_id: int, at: datetime, nurse_id: int, n: int) -> tuple[Any, ...]:
    items = {key: 0 for key in COWS_ITEMS}
    items["sweating"] = n % 3
    items["yawning"] = n % 2
    total = items["sweating"] + items["yawning"]
    return (
        str(_uuid()),
        episode_id,
        "cows",
        json.dumps(items),
        total,
        "mild" if total >= 5 else "",
        "",
        at,
        at,
        nurse_id,
        False,
        None,
        1,
        "",
    )


def _uuid() -> Any:
    import uuid

    return uuid.uuid4()


def _observation_rows(episodes, admitted, plan: Plan, nurse_id: int, now: datetime):
    """Each ordinary episode has 3 COWS; the history episodes 20, 3,000, 32,000 (100,000)."""
    for index, episode in enumerate(episodes):
        count = plan.histories[index] if index < len(plan.histories) else 3
        span = now - timedelta(minutes=30) - admitted[index]
        step = span / count
        for n in range(count):
            yield _assessment(episode.pk, admitted[index] + step * (n + 1), nurse_id, n)


def _filler(episodes, nurse_id: int, now: datetime, total: int):
    """The big table: assessments over the ordinary episodes up to ``total`` rows in all."""
    ordinary = episodes[len(FULL_HISTORIES) :]
    for n in range(total - sum(FULL_HISTORIES) - 3 * len(ordinary)):
        episode = ordinary[n % len(ordinary)]
        yield _assessment(episode.pk, now - timedelta(hours=29, seconds=n % 90000), nurse_id, n)


ASSESSMENT_COLUMNS = (
    "uuid, episode_id, scale, items, total, band, band_label, performed_at, recorded_at, "
    "recorded_by_id, on_behalf_of_patient, measured_heart_rate, policy_version, note"
)


def _copy_assessments(raw: Any, rows: Any) -> None:
    with raw.cursor() as cur:
        sql = f"COPY monitoring_assessment ({ASSESSMENT_COLUMNS}) FROM STDIN"  # noqa: S608
        with cur.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)


def _copy_vitals(raw: Any, episodes, nurse_id: int, now: datetime) -> None:
    columns = (
        "uuid, episode_id, measured_at, recorded_at, recorded_by_id, heart_rate, systolic, "
        "diastolic, respiratory_rate, temperature_c, spo2, confirmed_unusual"
    )
    with (
        raw.cursor() as cur,
        cur.copy(f"COPY monitoring_vitalsigns ({columns}) FROM STDIN") as copy,
    ):
        for n, episode in enumerate(episodes):
            at = now - timedelta(minutes=40 + n % 60)
            copy.write_row(
                (
                    str(_uuid()),
                    episode.pk,
                    at,
                    at,
                    nurse_id,
                    80 + n % 20,
                    125,
                    80,
                    16,
                    36.8,
                    97,
                    "[]",
                )
            )


# --- Serving --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def production_env(database_url: str, static_root: str, workers: int) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_"))}
    return {
        **keep,
        "DATABASE_URL": database_url,
        "DETOXDESK_ENV": "production",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": static_root,
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_ACCESS_LOG": "",
        "GUNICORN_TIMEOUT": "300",  # the longest charts of today's main take seconds
        "LOG_LEVEL": "ERROR",
    }


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [str(gunicorn), "-c", "python:detoxdesk.config.gunicorn"],
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn stopped at start (status {process.returncode})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.25)
    process.terminate()
    raise SystemExit("gunicorn did not answer within 120 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


# --- Load -----------------------------------------------------------------------------------------


class Http:
    """One client's connection to the server (reopened when the server closes it)."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self.port = port
        self.headers = headers
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def send(self, method: str, path: str, body: bytes | None = None, **headers: str) -> int:
        try:
            self.conn.request(method, path, body=body, headers={**self.headers, **headers})
            response = self.conn.getresponse()
            response.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
            return 0
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return response.status


Operation = Callable[[int], bool]  # one request by the client numbered n; True when it succeeded


def closed_loop(make: Callable[[int], Operation], clients: int, plan: Plan) -> tuple[float, int]:
    """Median operations per second over the repeats, and the failures seen."""
    ops = [make(n) for n in range(clients)]
    rates, failures = [], 0
    for _ in range(plan.repeats):
        counts = [0] * clients
        bad = [0] * clients
        start = time.monotonic()
        warm_end = start + plan.warmup_s
        end = warm_end + plan.window_s
        barrier = threading.Barrier(clients)

        def run(n: int, counts=counts, bad=bad, warm_end=warm_end, end=end, barrier=barrier):
            barrier.wait()
            while (now := time.monotonic()) < end:
                ok = ops[n](n)
                if time.monotonic() <= end and now >= warm_end:
                    counts[n] += 1 if ok else 0
                    bad[n] += 0 if ok else 1

        threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        rates.append(sum(counts) / plan.window_s)
        failures += sum(bad)
    return statistics.median(rates), failures


def latency(op: Callable[[], bool], plan: Plan, quantile: float) -> tuple[float, int]:
    """Median over the repeats of the window's ``quantile`` latency (ms), and the failures."""
    op()  # warm-up
    results, failures = [], 0
    for _ in range(plan.repeats):
        samples: list[float] = []
        end = time.monotonic() + plan.window_s
        while time.monotonic() < end or len(samples) < plan.min_samples:
            started = time.perf_counter()
            ok = op()
            samples.append((time.perf_counter() - started) * 1000)
            failures += 0 if ok else 1
        results.append(_quantile(samples, quantile))
    return statistics.median(results), failures


def _quantile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def raw_insert_commit(url: str, clients: int, plan: Plan) -> float:
    import psycopg

    conns = [psycopg.connect(url) for _ in range(clients)]
    try:
        conns[0].execute(
            "CREATE TABLE IF NOT EXISTS bench_raw (id bigserial PRIMARY KEY, episode bigint, "
            "at timestamptz, items jsonb)"
        )
        conns[0].commit()

        def make(n: int) -> Operation:
            conn = conns[n]

            def op(_: int) -> bool:
                conn.execute(
                    "INSERT INTO bench_raw (episode, at, items) VALUES (%s, now(), %s)",
                    (n, '{"sweating": 1}'),
                )
                conn.commit()
                return True

            return op

        rate, _ = closed_loop(make, clients, plan)
        return rate
    finally:
        for conn in conns:
            conn.close()


def _local_minute(tz: Any) -> str:
    from django.utils import timezone

    return (timezone.now().astimezone(tz) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")


def form_body(tz: Any, csrf: str) -> bytes:
    fields = {
        "csrfmiddlewaretoken": csrf,
        "performed_at": _local_minute(tz),
        **{key: "0" for key in COWS_ITEMS if key != "resting_pulse_rate"},
        "heart_rate": "84",
        "systolic": "128",
        "diastolic": "82",
        "respiratory_rate": "16",
        "temperature_c": "36.9",
        "spo2": "97",
        "note": "",
    }
    return urllib.parse.urlencode(fields).encode()


def api_body() -> bytes:
    from django.utils import timezone

    answers = {key: 0 for key in COWS_ITEMS if key != "resting_pulse_rate"}
    return json.dumps(
        {
            "scale": "cows",
            "answers": answers,
            "performed_at": (timezone.now() - timedelta(minutes=1)).isoformat(),
            "vitals": {
                "heart_rate": 84,
                "systolic": 128,
                "diastolic": 82,
                "respiratory_rate": 16,
                "temperature_c": 36.9,
                "spo2": 97,
            },
        }
    ).encode()


def session_cookie(user: Any) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def statements(path: str, user: Any) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    client.get(path)  # the session's renewal and the time zone are settled by this first view
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code} in process")
    return len(queries.captured_queries)


# --- The run --------------------------------------------------------------------------------------


def measure(
    plan: Plan, url: str, port: int, network: Network
) -> tuple[dict[str, dict[str, float]], list[str]]:
    import zoneinfo

    from detoxdesk.accounts.models import User
    from detoxdesk.api import tokens
    from detoxdesk.patients.models import Program

    nurse = User.objects.get(pk=network.nurse_id)
    tz = zoneinfo.ZoneInfo(Program.objects.get().timezone)
    measured: dict[str, dict[str, float]] = {key: {} for key in RESULT_KEYS}
    notes: list[str] = []
    episodes = network.record_episodes

    print("warming the workers …", flush=True)
    reading = tokens.do_create_token(
        owner=nurse, name="bench warm-up", scopes=["read"], acting_user=None
    ).secret
    warm_up(port, plan.workers, nurse, reading, network)

    print("raw insert + commit …", flush=True)
    for clients in CLIENTS:
        measured["raw_insert_commit_per_s"][str(clients)] = raw_insert_commit(url, clients, plan)

    print("record through the form …", flush=True)
    csrf = secrets.token_hex(16)
    sessions = [session_cookie(nurse) for _ in range(max(CLIENTS))]

    def form_client(n: int) -> Operation:
        cookie = f"sessionid={sessions[n]}; csrftoken={csrf}"
        client = Http(port, {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
        path = f"/episodes/{episodes[n]}/assessments/cows/new/"
        return lambda _: client.send("POST", path, form_body(tz, csrf)) == 302

    for clients in CLIENTS:
        rate, failed = closed_loop(form_client, clients, plan)
        measured["record_form_per_s"][str(clients)] = rate
        if failed:
            notes.append(f"record_form {clients} client(s): {failed} requests not answered 302")

    print("record through the API …", flush=True)
    secrets_ = [
        tokens.do_create_token(
            owner=nurse, name=f"bench {n}", scopes=["record"], acting_user=None
        ).secret
        for n in range(max(CLIENTS))
    ]

    def api_client(n: int) -> Operation:
        client = Http(
            port, {"Authorization": f"Bearer {secrets_[n]}", "Content-Type": "application/json"}
        )
        path = f"/api/v1/episodes/{episodes[n]}/assessments"
        return lambda _: client.send("POST", path, api_body()) == 201

    for clients in CLIENTS:
        rate, failed = closed_loop(api_client, clients, plan)
        measured["record_api_per_s"][str(clients)] = rate
        if failed:
            notes.append(f"record_api {clients} client(s): {failed} requests not answered 201")

    def refused_client(n: int) -> Operation:
        client = Http(port, {"Content-Type": "application/json"})
        path = f"/api/v1/episodes/{episodes[n]}/assessments"
        return lambda _: client.send("POST", path, api_body()) == 401

    rate, failed = closed_loop(refused_client, 1, plan)
    measured[FLOOR_KEY] = {"1": rate}
    if failed:
        notes.append(f"api refusal: {failed} requests not answered 401")

    reader = Http(port, {"Cookie": f"sessionid={session_cookie(nurse)}"})
    print("charts …", flush=True)
    for size, patient in network.history_patients.items():
        path = f"/patients/{patient}/"
        ms, failed = latency(lambda path=path: reader.send("GET", path) == 200, plan, 0.5)
        measured["chart_p50_ms"][str(size)] = ms
        measured["chart_statements"][str(size)] = statements(path, nurse)
        if failed:
            notes.append(f"chart {size}: {failed} requests not answered 200")

    print("census …", flush=True)
    for key, path in (
        ("unit", f"/census/?facility={network.unit_facility}"),
        ("network", "/census/?place=all"),  # the whole network, its first page
    ):
        ms, failed = latency(lambda path=path: reader.send("GET", path) == 200, plan, 0.95)
        measured["census_p95_ms"][key] = ms
        measured["census_statements"][key] = statements(path, nurse)
        if failed:
            notes.append(f"census {key}: {failed} requests not answered 200")

    print("record through the API at the shortest and the longest history …", flush=True)
    measured[HISTORY_KEY] = {}
    for size in (min(network.history_episodes), max(network.history_episodes)):
        episode = network.history_episodes[size]

        def history_client(n: int, episode: str = episode) -> Operation:
            client = Http(
                port, {"Authorization": f"Bearer {secrets_[n]}", "Content-Type": "application/json"}
            )
            path = f"/api/v1/episodes/{episode}/assessments"
            return lambda _: client.send("POST", path, api_body()) == 201

        rate, failed = closed_loop(history_client, 1, plan)
        measured[HISTORY_KEY][str(size)] = rate
        if failed:
            notes.append(f"record_api at history {size}: {failed} requests not answered 201")
    print("the recording in this process, and its time with the database …", flush=True)
    whole, database = in_process(secrets_[0], episodes[0], plan)
    measured[IN_PROCESS_KEY] = {"1": whole}
    measured[DATABASE_KEY] = {"1": database}
    return measured, notes


def in_process(token: str, episode: str, plan: Plan) -> tuple[float, float]:
    """``IN_PROCESS_KEY`` and ``DATABASE_KEY``: medians over the repeats of recordings per second
    through the API in this process, of their whole time and of their time with the database
    (every statement, with its round trip, and the commit)."""
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    path = f"/api/v1/episodes/{episode}/assessments"
    waited = [0.0]

    def timed(call: Callable[..., Any], *args: Any) -> Any:
        started = time.perf_counter()
        try:
            return call(*args)
        finally:
            waited[0] += time.perf_counter() - started

    def record() -> None:
        response = client.post(path, api_body(), content_type="application/json")
        if response.status_code != 201:
            raise SystemExit(f"{path} answered {response.status_code} in process")

    def statement(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        return timed(execute, sql, params, many, context)

    whole, database = [], []
    commit = connection._commit
    connection._commit = lambda: timed(commit)  # the instance's, over the class's method
    try:
        with connection.execute_wrapper(statement):
            warm_end = time.monotonic() + plan.warmup_s
            while time.monotonic() < warm_end:
                record()
            for _ in range(plan.repeats):
                count, waited[0] = 0, 0.0
                started = time.perf_counter()
                end = time.monotonic() + plan.window_s
                while time.monotonic() < end or count < plan.min_samples:
                    record()
                    count += 1
                whole.append(count / (time.perf_counter() - started))
                database.append(count / waited[0])
    finally:
        del connection._commit
    return statistics.median(whole), statistics.median(database)


def report_five_years(server: str) -> float:
    """``report_5y_ms`` (issue 17): bench/reports_5y.py in a process of its own, with a database
    and a Django of its own (five years of a program, 100,000 episodes). Full mode only."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "reports_5y.py")],
        env={**os.environ, "BENCH_PG_URL": with_database(server, "postgres")},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    for line in done.stdout.splitlines():
        if line.startswith(REPORT_KEY + " "):
            return float(line.split()[1])
    raise SystemExit(f"bench/reports_5y.py printed no {REPORT_KEY}:\n{done.stdout}")


def in_project_venv() -> None:
    """Run under the checkout's .venv (``python3 dev.py install`` makes it) when started outside."""
    venv_python = ROOT / ".venv" / "bin" / "python"
    if sys.prefix == sys.base_prefix and venv_python.exists():
        os.execv(str(venv_python), [str(venv_python), *sys.argv])


def warm_up(port: int, workers: int, nurse: Any, token: str, network: Network) -> None:
    """Every worker loads its URLs, templates and connections before anything is timed: the
    pages (with a nurse's session) and the API (with a read token) are requested by twice as
    many clients at once as there are workers, three times."""
    cookie = f"sessionid={session_cookie(nurse)}"
    paths = [
        "/census/?facility=" + network.unit_facility,
        f"/patients/{network.history_patients[min(network.history_patients)]}/",
        f"/episodes/{network.record_episodes[-1]}/assessments/cows/new/",
    ]

    def visit() -> None:
        client = Http(port, {"Cookie": cookie})
        for path in paths:
            client.send("GET", path)
        api = Http(port, {"Authorization": f"Bearer {token}"})
        api.send("GET", "/api/v1/census?per_page=1")

    for _ in range(3):
        threads = [threading.Thread(target=visit) for _ in range(2 * workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    in_project_venv()
    plan = plan_for(args.quick, args.workers)
    server = server_url()
    name = f"detoxdesk_bench_{os.getpid()}_{secrets.token_hex(3)}"
    url = with_database(server, name)
    started = time.monotonic()
    static_root = tempfile.mkdtemp(prefix="detoxdesk-bench-static-")
    env = production_env(url, static_root, plan.workers)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "detoxdesk.config.settings"
    sys.path.insert(0, str(ROOT / "src"))
    print(f"database {name} on {urllib.parse.urlsplit(server).netloc}", flush=True)
    admin(server, f'CREATE DATABASE "{name}"')
    process = None
    report_ms: float | None = None
    try:
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], env=env, cwd=ROOT, check=True)
        subprocess.run(
            [*manage, "collectstatic", "--no-input", "-v", "0"], env=env, cwd=ROOT, check=True
        )
        import django

        django.setup()
        print("seeding …", flush=True)
        seed_started = time.monotonic()
        network = seed(plan)
        print(f"seeded in {time.monotonic() - seed_started:.0f} s", flush=True)
        port = free_port()
        process = start_server(env, port)
        measured, notes = measure(plan, url, port, network)
        if not plan.quick:
            stop(process)
            process = None
            print("five years of quality reports …", flush=True)
            report_ms = report_five_years(server)
    finally:
        if process is not None:
            stop(process)
        from django.db import connections

        connections.close_all()
        admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    result = build_result(measured, plan.histories)
    raw = result["raw_insert_commit_per_s"]
    print()
    print(format_table(result, raw))
    for extra in (FLOOR_KEY, IN_PROCESS_KEY, DATABASE_KEY, HISTORY_KEY):
        result[extra] = {k: _rounded(v) for k, v in measured[extra].items()}
        for sub, rate in result[extra].items():
            share = f"  ({100 * rate / raw[sub]:.1f} % of raw)" if sub in raw else ""
            print(f"{extra:<32} {sub:>8} {rate:>12}{share}")
    if report_ms is not None:
        result[REPORT_KEY] = _rounded(report_ms)
        print(f"{REPORT_KEY:<32} {'':>8} {result[REPORT_KEY]:>12}")
    for note in notes:
        print("note:", note)
    print(
        f"\n{'quick' if plan.quick else 'full'} run, {plan.workers} gunicorn workers, "
        f"{time.monotonic() - started:.0f} s in all"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
