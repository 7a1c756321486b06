"""The shipped gunicorn configuration: workers start as copies of an application loaded once,
and a recycled worker serves again, with a database connection of its own."""

from __future__ import annotations

import json
import os
import runpy
import urllib.request
from pathlib import Path

import pytest
from tests.config.test_two_servers import (
    free_port,
    manage,
    server_env,
    start_server,
    wait_for,
)

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "src" / "detoxdesk" / "config" / "gunicorn.py"


def settings_with(monkeypatch, **env: str) -> dict[str, object]:
    for name in [k for k in os.environ if k.startswith("GUNICORN_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONFIG))


def test_the_application_is_loaded_once_in_the_master_unless_turned_off(monkeypatch):
    assert settings_with(monkeypatch)["preload_app"] is True
    assert settings_with(monkeypatch, GUNICORN_PRELOAD="false")["preload_app"] is False
    assert settings_with(monkeypatch, GUNICORN_PRELOAD="on")["preload_app"] is True


def test_a_malformed_preload_switch_stops_the_start(monkeypatch):
    with pytest.raises(SystemExit, match="GUNICORN_PRELOAD must be true or false, not 'maybe'"):
        settings_with(monkeypatch, GUNICORN_PRELOAD="maybe")


def test_recycled_workers_copied_from_the_loaded_application_serve_from_the_database(tmp_path):
    database = tmp_path / "recycled.sqlite3"
    env = server_env(
        database,
        "recycled-workers",
        GUNICORN_THREADS="1",
        GUNICORN_MAX_REQUESTS="3",
        GUNICORN_MAX_REQUESTS_JITTER="0",
    )
    manage(env, "migrate", "--no-input", "-v", "0")
    create = (
        "from detoxdesk.accounts.models import Membership, Role, User; "
        "from detoxdesk.api import tokens; "
        "from detoxdesk.patients.models import Facility, Program; "
        "nurse = User.objects.create_user('nurse', password='a long test password'); "
        "site = Facility.objects.create(program=Program.objects.create(name='P'), name='Site'); "
        "Membership.objects.create(user=nurse, facility=site, role=Role.NURSE); "
        "print(tokens.do_create_token(owner=nurse, name='t', scopes=['read'], "
        "acting_user=None).secret)"
    )
    secret = manage(env, "shell", "-c", create).split()[-1]
    port = free_port()
    server = start_server(env, port)
    try:
        wait_for(port, server)
        answers = []
        for _ in range(12):  # the worker is recycled after every third
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1/census",
                headers={"Authorization": f"Bearer {secret}"},
            )
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback
                answers.append((response.status, json.loads(response.read())))
    finally:
        server.terminate()
        _, log = server.communicate(timeout=30)
    assert [status for status, _ in answers] == [200] * 12
    assert all(body == answers[0][1] for _, body in answers)
    assert log.decode().count("Autorestarting worker") >= 3, log.decode()[-2000:]
