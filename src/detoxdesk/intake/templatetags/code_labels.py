from __future__ import annotations

from django import template

from detoxdesk.lib import labels

register = template.Library()


@register.filter
def code_label(code: object, kind: str) -> str:
    """``{{ flag|code_label:"flag" }}``: the words for a stored code (see ``lib.labels``)."""
    return labels.label(kind, code)


@register.filter
def code_labels(codes: object, kind: str) -> list[str]:
    """The words for each code of a list, in its order."""
    if not isinstance(codes, list | tuple):
        return []
    return [labels.label(kind, code) for code in codes]
