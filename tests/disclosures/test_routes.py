"""No page produces a record for someone outside the program except through the door.

The test walks every URL pattern: each one whose address or name marks it as producing a record
must be declared in ``disclosures.routes`` (through the door, or internal with its reason).
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver

from detoxdesk.disclosures import routes


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            inner = f"{namespace}:{ns}" if namespace and ns else ns or namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or ""
            yield prefix + str(entry.pattern), name


ALL = list(_walk(get_resolver().url_patterns))
DECLARED = {**routes.THROUGH_THE_DOOR, **routes.INTERNAL}


def _produces_record(route: str, name: str) -> bool:
    return bool(routes.RECORD_WORDS.search(route) or routes.RECORD_WORDS.search(name))


def test_every_route_that_produces_a_record_is_declared() -> None:
    undeclared = [
        (route, name)
        for route, name in ALL
        if (_produces_record(route, name) or route.startswith("api/"))
        and not routes.declared(route, name)
    ]
    assert undeclared == [], (
        "These pages produce records; route them through disclosures.actions.do_disclose or "
        f"declare them internal in disclosures/routes.py: {undeclared}"
    )


def test_the_walk_finds_the_known_record_pages() -> None:
    names = {name for _, name in ALL}
    assert {"patients:chart", "aftercare:summary", "tapers:calendar", "audit:export"} <= names
    assert {"disclosures:release", "portal:summary"} <= names


def test_every_declaration_names_a_route_that_exists() -> None:
    names = {name for _, name in ALL}
    assert set(DECLARED) - names == set()
    assert not set(routes.THROUGH_THE_DOOR) & set(routes.INTERNAL)
