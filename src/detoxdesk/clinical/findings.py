"""Findings: what a rule reports for the user to act on, and the decision they add up to.

A finding is a ``warning`` (the user acknowledges it) or a ``stop`` (an authorised user overrides
it with a reason). The decision of a set of findings is the worst of their severities, or ``ok``
when there are none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

Severity = Literal["warning", "stop"]
Decision = Literal["ok", "warning", "stop"]

_RANK: Mapping[Decision, int] = {"ok": 0, "warning": 1, "stop": 2}


@dataclass(frozen=True)
class Finding:
    """One result of a rule: ``code`` for programs, ``message`` in plain words, ``source`` key."""

    code: str
    severity: Severity
    message: str
    source: str

    def as_json(self) -> dict[str, str]:
        """The JSON object of a finding in every calculator's output."""
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "source": self.source,
        }


def decision(findings: Iterable[Finding]) -> Decision:
    """The worst severity among ``findings``, or "ok" when there are none."""
    return max((finding.severity for finding in findings), key=_RANK.__getitem__, default="ok")
