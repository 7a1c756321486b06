#!/usr/bin/env python3
"""Set up and run Detox Desk from a fresh clone, with nothing but Python 3.11+.

python3 dev.py start   create .venv, install, migrate SQLite, load demo data, serve :8000
python3 dev.py test    install what the tests need, then ruff, mypy and the whole suite
                       on SQLite, and again on PostgreSQL when a server answers
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
CHROMIUM = Path("/usr/bin/chromium")
PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/detoxdesk")


def run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True, env=env)


def install() -> None:
    if sys.version_info < (3, 11):
        sys.exit("Detox Desk needs Python 3.11 or newer.")
    if not PY.exists():
        print("Creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if not (BIN / "uv").exists():
        run(PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "uv==0.13.9")
    run(BIN / "uv", "pip", "install", "--quiet", "--python", PY, "-r", "requirements.lock")
    run(BIN / "uv", "pip", "install", "--quiet", "--python", PY, "--no-deps", "-e", ".")


def start() -> None:
    install()
    (ROOT / "var").mkdir(exist_ok=True)
    run(PY, "manage.py", "migrate", "--no-input", "-v", "0")
    run(PY, "manage.py", "load_demo", "--if-empty")
    print(
        "\nDetox Desk is running at http://127.0.0.1:8000/ — staff sign in at "
        "http://127.0.0.1:8000/accounts/sign-in/\n"
        "Demo accounts (nurse, prescriber, director, …) use the password printed above. "
        "Press Ctrl+C to stop.\n",
        flush=True,
    )
    os.execv(str(PY), [str(PY), "manage.py", "runserver", "127.0.0.1:8000"])


def can_apt() -> bool:
    return bool(shutil.which("apt-get")) and hasattr(os, "geteuid") and os.geteuid() == 0


def apt_install(*packages: str) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run("apt-get", "update", "-qq", env=env)
    run("apt-get", "install", "-y", "-qq", *packages, env=env)


def ensure_test_packages() -> None:
    """Chromium for the browser tests, faketime for the run with the clock moved ahead."""
    missing = [
        package
        for package, present in (("chromium", CHROMIUM.exists()), ("faketime", has_faketime()))
        if not present
    ]
    if not missing:
        return
    if can_apt():
        apt_install(*missing)
    elif os.environ.get("CI") == "true":
        sys.exit(f"{', '.join(missing)} missing and cannot be installed: CI needs them.")
    else:
        print(f"Not installed ({', '.join(missing)}): the tests that need them will be skipped.")


def has_faketime() -> bool:
    return shutil.which("faketime") is not None


def postgres_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=2):
            return True
    except OSError:
        return False


def test(extra: list[str]) -> None:
    install()
    ensure_test_packages()
    run(BIN / "ruff", "check", ".")
    run(BIN / "ruff", "format", "--check", ".")
    run(BIN / "mypy", "src")
    base_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    print("\n== Test suite on SQLite ==", flush=True)
    run(PY, "-m", "pytest", *extra, env=base_env)
    if has_faketime():
        # No test may depend on the calendar: the same suite, with the system clock 400 days on.
        print("\n== Test suite on SQLite, system clock 400 days ahead ==", flush=True)
        run(
            "faketime", "-f", "+400d", PY, "-m", "pytest", "-m", "not browser", *extra, env=base_env
        )
    elif os.environ.get("CI") == "true":
        sys.exit("faketime is missing: CI must run the suite with the clock moved ahead.")
    if postgres_answers():
        print("\n== Test suite on PostgreSQL ==", flush=True)
        run(PY, "-m", "pytest", *extra, env={**base_env, "DATABASE_URL": PG_URL})
    elif os.environ.get("CI") == "true":
        sys.exit("PostgreSQL does not answer on 127.0.0.1:5432: the suite must run on it in CI.")
    else:
        print("PostgreSQL does not answer on 127.0.0.1:5432: skipped the PostgreSQL run.")


def main() -> None:
    command, *rest = sys.argv[1:] or ["help"]
    if command == "start":
        start()
    elif command == "test":
        test(rest)
    elif command == "install":
        install()
    else:
        print(__doc__)
        sys.exit(0 if command == "help" else 2)


if __name__ == "__main__":
    main()
