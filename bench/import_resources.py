"""Benchmark the directory's CSV import: prints rows per second and peak memory.

    .venv/bin/python bench/import_resources.py [ROWS]

It builds a throw-away SQLite database in a temporary directory (or uses DATABASE_URL when set),
generates ROWS synthetic rows (default 5,000), then times a dry run, the first import (all
created) and a second import of the same file (all unchanged). It prints figures; it is not a
test and asserts nothing.
"""

from __future__ import annotations

import csv
import io
import os
import random
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

KINDS = (
    "treatment_program",
    "opioid_treatment_program",
    "buprenorphine_prescriber",
    "mutual_help",
    "sober_living",
    "peer_support",
    "hotline",
)
SERVICES = ("methadone", "buprenorphine", "naltrexone", "counseling", "naloxone", "housing")
COLUMNS = [
    "external_id",
    "name",
    "type",
    "address",
    "city",
    "region",
    "postcode",
    "latitude",
    "longitude",
    "phone",
    "services",
    "languages",
    "payment",
    "accepting_new_patients",
    "last_verified",
]


def generate(rows: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for n in range(rows):
        writer.writerow(
            [
                f"bench-{n}",
                f"Bench Resource {n}",
                KINDS[n % len(KINDS)],
                f"{n} Main Street",
                "Springfield",
                "MA",
                f"{1000 + n % 900:05d}",
                f"{rng.uniform(25, 49):.6f}",
                f"{rng.uniform(-124, -67):.6f}",
                f"555-{n % 10000:04d}",
                "; ".join(rng.sample(SERVICES, 2)),
                "English; Spanish",
                "Medicaid",
                "yes" if n % 5 else "no",
                "2026-01-15",
            ]
        )
    return out.getvalue()


def measure(label: str, rows: int, run: Callable[[], object]) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    summary = run()
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{label:<22} {rows / elapsed:>9,.0f} rows/s  {elapsed:>6.2f} s  "
        f"peak {peak / 1_048_576:>6.1f} MiB  {summary}"
    )


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    workdir = tempfile.mkdtemp(prefix="detoxdesk-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "detoxdesk.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from detoxdesk.directory import actions

    call_command("migrate", verbosity=0)
    text = generate(rows)
    print(
        f"{rows:,} rows, {len(text) / 1_048_576:.1f} MiB of CSV, "
        f"database {os.environ['DATABASE_URL']}"
    )

    def run(dry_run: bool) -> Callable[[], object]:
        def go() -> object:
            s = actions.do_import_resources(
                io.StringIO(text), acting_user=None, dry_run=dry_run, source_name="bench.csv"
            )
            return (
                f"created {s.created}, updated {s.updated}, "
                f"unchanged {s.unchanged}, rejected {s.rejected}"
            )

        return go

    measure("dry run", rows, run(True))
    measure("import (all new)", rows, run(False))
    measure("re-import (unchanged)", rows, run(False))


if __name__ == "__main__":
    main()
