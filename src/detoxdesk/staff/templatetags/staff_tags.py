from __future__ import annotations

from typing import Any

from django import template

from detoxdesk.staff.emergency import grants_in_use

register = template.Library()


@register.inclusion_tag("staff/_emergency_banner.html", takes_context=True)
def emergency_banner(context: template.Context) -> dict[str, Any]:
    """The emergency grants that opened this page's patient, for the banner in the frame.

    Reads only what the access helpers loaded in this request (no query of its own). On a page
    about one patient (``patient`` or ``episode`` in its context) only that patient's grant shows.
    """
    request = context.get("request")
    grants = grants_in_use(getattr(request, "user", None))
    patient = context.get("patient") or getattr(context.get("episode"), "patient", None)
    if patient is not None:
        grants = [grant for grant in grants if grant.patient_id == getattr(patient, "pk", None)]
    return {"emergency_grants": grants}
