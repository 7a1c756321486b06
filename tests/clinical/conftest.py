"""Fixtures for the clinical core's tests, and the settings that keep mutation runs honest.

Every knowledge loader in ``detoxdesk.clinical`` is cached (``functools.cache``). Each test starts
with those caches empty, so a test reads the knowledge files through the loaders' checks itself
instead of reusing tables an earlier test (or, under ``python3 dev.py mutate``, the unmutated run
that forked the worker) built. Without this, a mutant in a loader's checks never executes.
"""

from __future__ import annotations

import copy
import importlib
import json
import os
import pkgutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

import detoxdesk.clinical
from detoxdesk.clinical import knowledge

# ``python3 dev.py mutate`` sets DETOXDESK_MUTATION; mutmut itself sets MUTANT_UNDER_TEST.
UNDER_MUTATION = bool(os.environ.get("DETOXDESK_MUTATION")) or "MUTANT_UNDER_TEST" in os.environ

if UNDER_MUTATION:
    # The same examples on every run, none remembered between runs, no deadline: a mutant is
    # killed or survives on what the tests say, not on chance or on how busy the machine is.
    # Tests that set their own max_examples keep it.
    hypothesis_settings.register_profile(
        "detoxdesk-mutation",
        database=None,
        derandomize=True,
        deadline=None,
        # Fewer examples than the usual 100 keep a run of thousands of mutants within hours; it
        # can only make the score lower, never hide a survivor that fewer examples would kill.
        max_examples=int(os.environ.get("DETOXDESK_MUTATION_EXAMPLES", "20")),
        suppress_health_check=[HealthCheck.too_slow],
    )
    hypothesis_settings.load_profile("detoxdesk-mutation")


# ``python3 dev.py mutate --knowledge N`` changes one knowledge number per run of tests/clinical:
# DETOXDESK_PERTURB = {"file": stem, "path": [key or index, ...], "value": new value}. The change is
# made to what ``read_toml`` returns, so the file on disk is never touched.
PERTURB = os.environ.get("DETOXDESK_PERTURB")
if PERTURB:
    _change = json.loads(PERTURB)
    _read_toml = knowledge.read_toml

    def _perturbed_read_toml(name: str) -> dict[str, object]:
        data = _read_toml(name)
        if name == _change["file"]:
            *parents, last = _change["path"]
            target: object = data
            for part in parents:
                target = target[part]  # type: ignore[index]
            target[last] = _change["value"]  # type: ignore[index]
        return data

    knowledge.read_toml = _perturbed_read_toml  # type: ignore[assignment]


def knowledge_caches() -> list[Callable[[], None]]:
    """The ``cache_clear`` of every cached function defined in a ``detoxdesk.clinical`` module."""
    clears: list[Callable[[], None]] = []
    for info in pkgutil.iter_modules(detoxdesk.clinical.__path__):
        module = importlib.import_module(f"detoxdesk.clinical.{info.name}")
        for value in vars(module).values():
            clear = getattr(value, "cache_clear", None)
            if callable(clear) and getattr(value, "__module__", None) == module.__name__:
                clears.append(clear)
    return clears


_CACHES = knowledge_caches()


@pytest.fixture(autouse=True)
def fresh_knowledge() -> Iterator[None]:
    """Empty every knowledge cache before the test (and after it, for the next one)."""
    for clear in _CACHES:
        clear()
    yield
    for clear in _CACHES:
        clear()


KnowledgeChange = Callable[[dict[str, Any]], object]


@pytest.fixture
def edit_knowledge(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, KnowledgeChange], None]:
    """``edit_knowledge(name, change)``: the loaders read ``name``.toml with ``change`` applied to a
    copy of it, as a program's edited file would read; the file on disk is not touched."""
    read = knowledge.read_toml

    def apply(stem: str, change: KnowledgeChange) -> None:
        def changed(name: str) -> dict[str, Any]:
            data = copy.deepcopy(read(name))
            if name == stem:
                change(data)
            return data

        monkeypatch.setattr(knowledge, "read_toml", changed)

    return apply


def runs_a_subprocess(item: pytest.Item) -> bool:
    """Whether the test runs ``detoxdesk`` in a child process (tests/calc_runner.py)."""
    code = getattr(getattr(item, "obj", None), "__code__", None)
    return code is not None and bool({"run_calc", "run_cli"} & set(code.co_names))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under mutation, cap the examples of property tests that set their own count; with a
    knowledge change, leave out the tests that run the command in a child process, which reads
    the unchanged files and so can never notice the change."""
    if PERTURB:
        deselected = [item for item in items if runs_a_subprocess(item)]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
            items[:] = [item for item in items if not runs_a_subprocess(item)]
    if not UNDER_MUTATION:
        return
    cap = int(os.environ.get("DETOXDESK_MUTATION_EXAMPLES", "20"))
    for item in items:
        test = getattr(item, "obj", None)
        own = getattr(test, "_hypothesis_internal_use_settings", None)
        if own is not None and own.max_examples > cap:
            test._hypothesis_internal_use_settings = hypothesis_settings(  # type: ignore[union-attr]
                own, max_examples=cap, database=None, derandomize=True, deadline=None
            )
