"""Tag lists (services, languages, payment): one normal form so search and import agree."""

from __future__ import annotations

import re
from collections.abc import Iterable

_SPACES = re.compile(r"\s+")
SEPARATORS = re.compile(r"[;|,]")


def normalise_tag(tag: str) -> str:
    """Lower case, trimmed, inner whitespace collapsed to one space."""
    return _SPACES.sub(" ", tag.strip().lower())


def normalise(tags: Iterable[str] | str) -> list[str]:
    """Unique, sorted, normalised tags; a string is split on ``;``, ``|`` or ``,``."""
    items = SEPARATORS.split(tags) if isinstance(tags, str) else tags
    found = set()
    for item in items:
        tag = normalise_tag(str(item))
        if tag:
            found.add(tag)
    return sorted(found)


def as_text(tags: Iterable[str]) -> str:
    return "; ".join(tags)
