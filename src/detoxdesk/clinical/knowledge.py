"""Loading the knowledge files and the registry of sources they cite.

The TOML files in ``knowledge/`` hold every clinical number. Each value that rests on a source names
it with a ``source`` key; ``sources.toml`` is the one registry of those keys. A file that cites an
unregistered key is refused when it loads, so a typo cannot ship silently.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from detoxdesk.clinical.errors import KnowledgeError

KNOWLEDGE_DIR = Path(__file__).with_name("knowledge")

# C = confirmed in a primary source, S = secondary only, U = unconfirmed (SPEC.md labels).
CONFIDENCES = frozenset({"C", "S", "U"})

T = TypeVar("T")


@dataclass(frozen=True)
class Source:
    """One registered source: ``key`` as cited, a short ``title``, an optional ``url``."""

    key: str
    title: str
    url: str | None
    confidence: str


@dataclass(frozen=True)
class Note:
    """A text shown with a result (a note, a caution), the source it rests on and its confidence."""

    text: str
    source: str
    confidence: str


def read_toml(name: str) -> dict[str, Any]:
    """Parse ``knowledge/<name>.toml`` without checking it; raise KnowledgeError if unreadable."""
    path = KNOWLEDGE_DIR / f"{name}.toml"
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise KnowledgeError(f"{path.name}: {exc}") from exc


def _build_source(key: str, entry: object) -> Source:
    if not isinstance(entry, Mapping):
        raise KnowledgeError(f"sources.toml [{key}]: expected a table")
    title, url, confidence = entry.get("title"), entry.get("url"), entry.get("confidence")
    if not isinstance(title, str) or not title.strip():
        raise KnowledgeError(f"sources.toml [{key}]: a title is required")
    if url is not None and not (isinstance(url, str) and url.startswith(("http://", "https://"))):
        raise KnowledgeError(f"sources.toml [{key}]: url must be an http(s) address")
    if confidence not in CONFIDENCES:
        raise KnowledgeError(f"sources.toml [{key}]: confidence must be one of C, S, U")
    return Source(key=key, title=title, url=url, confidence=confidence)


@cache
def _registry() -> dict[str, Source]:
    return {key: _build_source(key, entry) for key, entry in read_toml("sources").items()}


def source(key: str) -> Source:
    """The registered source ``key``; KnowledgeError if it is not in ``sources.toml``."""
    try:
        return _registry()[key]
    except KeyError:
        raise KnowledgeError(f"Unknown source key {key!r}.") from None


def all_sources() -> tuple[Source, ...]:
    """Every registered source, in the order of ``sources.toml``."""
    return tuple(_registry().values())


def _source_values(data: object) -> Iterator[object]:
    if isinstance(data, Mapping):
        for key, value in data.items():
            if key == "source":
                yield value
            else:
                yield from _source_values(value)
    elif isinstance(data, list):
        for value in data:
            yield from _source_values(value)


def referenced_sources(data: object) -> frozenset[str]:
    """Every value of a ``source`` key at any depth of parsed TOML ``data``.

    Raises KnowledgeError if a ``source`` value is not a string.
    """
    refs = list(_source_values(data))
    if not all(isinstance(ref, str) for ref in refs):
        raise KnowledgeError(f"A source must be a key string, got {refs!r}")
    return frozenset(str(ref) for ref in refs)


def check_sources(data: object, where: str) -> None:
    """Raise KnowledgeError naming ``where`` if ``data`` cites a source that is not registered."""
    unknown = {ref for ref in referenced_sources(data) if ref not in _registry()}
    if unknown:
        listed = ", ".join(sorted(unknown))
        raise KnowledgeError(f"{where}: source key(s) not in sources.toml: {listed}")


@cache
def load(name: str) -> Mapping[str, Any]:
    """Parsed ``knowledge/<name>.toml`` after checking its source keys (cached; do not mutate)."""
    data = read_toml(name)
    check_sources(data, f"{name}.toml")
    return data


def build_each(
    name: str, table: Mapping[str, Any], codes: Sequence[str], build: Callable[[str, Any], T]
) -> dict[str, T]:
    """``build(code, table[code])`` for each of ``codes``, in their order.

    Raises KnowledgeError naming ``<name>.toml`` if ``table`` does not define exactly ``codes``, or
    if ``build`` meets a missing (KeyError) or malformed (TypeError) entry.
    """
    try:
        if set(table) != set(codes):
            raise KnowledgeError(f"{name}.toml must define exactly {', '.join(codes)}")
        return {code: build(code, table[code]) for code in codes}
    except (KeyError, TypeError) as exc:
        raise KnowledgeError(f"{name}.toml: missing or malformed entry {exc}") from exc
