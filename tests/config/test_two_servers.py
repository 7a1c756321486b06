"""Two app servers, one database: a limit counted on one holds on the other.

Starts two gunicorn servers with the shipped configuration (one worker each, on two free ports)
against one SQLite database file, as two servers behind a proxy share one PostgreSQL. Sign-in
failures at server A lock the username at server B (axes' tables), and public searches at A use
up the per-address allowance at B (the shared cache table).
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "a long shared test password"
START_SECONDS = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server on port {port} stopped: {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"no server answered on port {port} within {START_SECONDS} s")


class Browser:
    """Cookies and CSRF for one server, with urllib (no redirects followed)."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003
            return None

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), self._NoRedirect()
        )

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)  # noqa: S310 - loopback
        if data is not None:
            request.add_header("Referer", self.base + path)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def sign_in(self, username: str, password: str) -> tuple[int, str]:
        status, page = self.request("/accounts/sign-in/")
        assert status == 200, page[:500]
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert match, "no CSRF token on the sign-in page"
        data = {"csrfmiddlewaretoken": match.group(1), "username": username, "password": password}
        return self.request("/accounts/sign-in/", data)


def server_env(database: Path, name: str, **extra: str) -> dict[str, str]:
    """The environment of a test server on the SQLite file ``database``: one worker, no access
    log, no Redis; ``extra`` adds or overrides variables."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_"))},
        "DATABASE_URL": f"sqlite:///{database}",
        "DETOXDESK_ENV": "development",
        "DEBUG": "false",
        "SECRET_KEY": f"{name}-test-key-" + "x" * 40,
        "REDIS_URL": "",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_ACCESS_LOG": "",
        **extra,
    }


def manage(env: dict[str, str], *args: str) -> str:
    """``manage.py`` with ``args`` under ``env``; what it printed (its errors shown if it fails)."""
    done = subprocess.run(
        [str(BIN / "python"), str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, f"manage.py {args[0]} failed:\n{done.stdout}{done.stderr}"
    return done.stdout


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    """gunicorn with the shipped configuration on ``port`` (its log on a pipe)."""
    return subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "python:detoxdesk.config.gunicorn"],
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wall_clock(tmp_path: Path) -> float:
    """The real time (the test's own clock is moved by time_machine; a file's is not)."""
    stamp = tmp_path / "now"
    stamp.write_text("")
    return stamp.stat().st_mtime


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("two_servers")
    database = tmp_path / "shared.sqlite3"
    env = server_env(
        database,
        "two-servers",
        LOGIN_LOCKOUT_ATTEMPTS="3",
        DIRECTORY_PUBLIC_SEARCHES_PER_MINUTE="2",
    )
    manage(env, "migrate", "--no-input", "-v", "0")
    create = (
        "from detoxdesk.accounts.models import User; "
        f"User.objects.create_user('nurse', password={PASSWORD!r})"
    )
    manage(env, "shell", "-c", create)
    servers, ports = [], []
    try:
        for _ in range(2):
            port = free_port()
            process = start_server(env, port)
            servers.append(process)
            ports.append(port)
        for port, process in zip(ports, servers, strict=True):
            wait_for(port, process)
        yield ports
    finally:
        for process in servers:
            process.terminate()
        for process in servers:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def test_a_lockout_counted_on_one_server_holds_on_the_other(two_servers):
    port_a, port_b = two_servers
    a, b = Browser(port_a), Browser(port_b)
    assert b.sign_in("nurse", PASSWORD)[0] == 302  # server B signs the nurse in
    for _ in range(3):
        status, page = a.sign_in("nurse", "not the password")
        assert status == 400, status
    status, page = Browser(port_b).sign_in("nurse", PASSWORD)
    assert status != 302
    assert "locked" in page


def test_a_rate_limit_counted_on_one_server_holds_on_the_other(two_servers, tmp_path):
    port_a, port_b = two_servers
    second = wall_clock(tmp_path) % 60
    if second > 45:  # the allowance is per minute: start well inside one
        time.sleep(61 - second)
    a, b = Browser(port_a), Browser(port_b)
    assert a.request("/find-help/?q=detox")[0] == 200
    assert a.request("/find-help/?q=detox")[0] == 200
    assert b.request("/find-help/?q=detox")[0] == 429
