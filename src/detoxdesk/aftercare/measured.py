"""What the quality report counts of a discharge, copied onto it when it is signed.

A signed discharge no longer changes (its bundle items and appointments are closed with it), so
its MOUD and naloxone outcomes and its earliest warm hand-off can be kept on its own row: the
report then counts years of discharges from one table instead of searching their items.
"""

from __future__ import annotations

from django.db.models import Min

from detoxdesk.aftercare.models import BundleItem, Discharge

FIELDS = ("moud_status", "moud_option", "naloxone_status", "naloxone_how", "warm_handoff_at")


def fill_measured(discharge: Discharge) -> list[str]:
    """Set the discharge's measured fields from its items and appointments (two queries); the
    names of the fields set, for ``save(update_fields=...)``."""
    items = {
        code: (status, details or {})
        for code, status, details in BundleItem.objects.filter(
            discharge=discharge, code__in=[BundleItem.Code.MOUD, BundleItem.Code.NALOXONE]
        ).values_list("code", "status", "details")
    }
    moud_status, moud = items.get(BundleItem.Code.MOUD, ("", {}))
    naloxone_status, naloxone = items.get(BundleItem.Code.NALOXONE, ("", {}))
    discharge.moud_status = moud_status
    discharge.moud_option = str(moud.get("moud_option") or "")
    discharge.naloxone_status = naloxone_status
    discharge.naloxone_how = str(naloxone.get("naloxone_how") or "")
    discharge.warm_handoff_at = discharge.appointments.filter(is_warm_handoff=True).aggregate(
        first=Min("when")
    )["first"]
    return list(FIELDS)
