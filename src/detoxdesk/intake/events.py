"""Audit event names written by the intake app (merged into the audit registry)."""

from __future__ import annotations

EVENTS: dict[str, str] = {
    "inquiry.received": "Inquiry received from the public form",
    "inquiry.opened": "Inquiry opened by staff for a known patient",
    "inquiry.phoned_in": "Inquiry taken by staff from a phone call",
    "inquiry.viewed": "Viewed an inquiry",
    "inquiry.queue_viewed": "Viewed the intake queue",
    "inquiry.contact_logged": "Contact attempt logged",
    "inquiry.evaluation_scheduled": "Evaluation scheduled",
    "inquiry.closed": "Inquiry closed",
    "inquiry.converted": "Inquiry became a patient",
    "evaluation.started": "Evaluation started",
    "evaluation.saved": "Evaluation draft saved",
    "evaluation.completed": "Evaluation completed and placement worked out",
    "evaluation.viewed": "Viewed an evaluation",
    "evaluation.worklist_viewed": "Viewed the list of patients awaiting evaluation or admission",
    "evaluation.signed": "Evaluation signed",
    "placement.accepted": "Recommended level of care accepted",
    "placement.overridden": "Another level of care chosen, with a reason",
    "treatment_plan.drafted": "Treatment plan drafted from the evaluation",
    "treatment_plan.updated": "Treatment plan edited",
    "treatment_plan.signed": "Treatment plan signed",
    "treatment_plan.viewed": "Viewed a treatment plan",
    "intake.settings_changed": "Intake settings changed",
    "placement.editions_changed": "ASAM edition shown to staff or used by reports changed",
    "placement.fourth_mapping_confirmed": "ASAM 3rd-to-4th-edition mapping confirmed",
}
