"""Each app registers its audit events from ``AppConfig.ready()``; clashes are refused."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from detoxdesk.audit import events, log


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    copy = dict(events.EVENTS)
    monkeypatch.setattr(events, "EVENTS", copy)
    return copy


def test_every_apps_events_are_registered_once_the_apps_are_ready() -> None:
    for config in apps.get_app_configs():
        if not config.name.startswith("detoxdesk."):
            continue
        try:
            module = __import__(f"{config.name}.events", fromlist=["EVENTS"])
        except ModuleNotFoundError:
            continue
        own = module.EVENTS
        assert own, config.name
        assert {name: events.EVENTS[name] for name in own} == own


def test_registering_the_same_label_again_changes_nothing(registry: dict[str, str]) -> None:
    before = dict(registry)
    events.register({"chart.viewed": registry["chart.viewed"]})
    assert registry == before


def test_a_name_registered_with_another_label_is_refused(registry: dict[str, str]) -> None:
    with pytest.raises(ImproperlyConfigured, match="chart.viewed"):
        events.register({"new.thing": "New", "chart.viewed": "Something else"})
    assert "new.thing" not in registry


def test_a_new_name_is_registered(registry: dict[str, str]) -> None:
    events.register({"new.thing": "A new thing"})
    assert registry["new.thing"] == "A new thing"
    assert events.label("new.thing") == "A new thing"


@pytest.mark.django_db
def test_an_unregistered_event_still_cannot_be_written() -> None:
    with pytest.raises(log.UnknownEventError):
        log.record("nothing.happened", actor=None)


def test_the_registry_imports_no_app() -> None:
    tree = ast.parse(Path(events.__file__).read_text(encoding="utf-8"))
    imported = [
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    ] + [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    ]
    assert [name for name in imported if name.startswith("detoxdesk.")] == []
