"""The one exception module of the clinical core."""

from __future__ import annotations

from collections.abc import Mapping


class ClinicalError(Exception):
    """Base class of every error raised by ``detoxdesk.clinical``."""


class KnowledgeError(ClinicalError):
    """A knowledge file is missing, malformed or cites a source key that is not registered.

    This is a defect in the shipped data, never the user's fault: it is raised when the files load.
    """


class InvalidInput(ClinicalError, ValueError):
    """Input that a rule cannot accept.

    ``message`` is one sentence for the whole form; ``fields`` maps each bad field to a message in
    plain English. ``fields`` may be empty when the problem is not tied to one field.
    """

    def __init__(self, message: str, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields: dict[str, str] = dict(fields or {})
