"""The one exception of the disclosure door."""

from __future__ import annotations


class DisclosureRefused(Exception):
    """No valid consent covers this disclosure. ``reasons`` are sentences naming what is missing."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = list(reasons)
        super().__init__(" ".join(self.reasons))
