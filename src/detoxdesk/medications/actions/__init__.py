"""Every write of the medications app, by concern: orders (``orders``), doses (``administration``),
the patient facts the engine reads (``facts``) and the program's medication settings
(``settings``); ``checks`` holds what they share.

Each ``do_*`` checks permission, validates, writes and records its audit events in one
transaction. The safety engine runs when an order is signed and before every dose: a stop
needs an override with a reason by an authorised user, warnings need an acknowledgement.

The names below are the app's public surface: import them from here.
"""

from __future__ import annotations

from detoxdesk.medications.actions.administration import (
    DoseConfirmation,
    StockDraw,
    do_record_administration,
    do_review_alert,
)
from detoxdesk.medications.actions.checks import may_override
from detoxdesk.medications.actions.facts import (
    FACT_FIELDS,
    do_record_home_medication,
    do_record_pdmp_check,
    do_stop_home_medication,
    do_update_facts,
    facts_read_mark,
    home_drug_choices,
)
from detoxdesk.medications.actions.orders import (
    CHANGEABLE,
    ORDER_DEFAULTS,
    PDMP_MISSING,
    SignConfirmation,
    do_change_order_status,
    do_modify_order,
    do_set_dose_schedule,
    do_sign_order,
    latest_pdmp_check,
    pdmp_required,
    preview_order_check,
)
from detoxdesk.medications.actions.settings import (
    ALCOHOL_FIELDS,
    SETTING_FIELDS,
    alcohol_protocol_version,
    do_set_alcohol_protocol,
    do_update_medication_settings,
)

__all__ = [
    "ALCOHOL_FIELDS",
    "CHANGEABLE",
    "FACT_FIELDS",
    "ORDER_DEFAULTS",
    "PDMP_MISSING",
    "SETTING_FIELDS",
    "DoseConfirmation",
    "SignConfirmation",
    "StockDraw",
    "alcohol_protocol_version",
    "do_change_order_status",
    "do_modify_order",
    "do_record_administration",
    "do_record_home_medication",
    "do_record_pdmp_check",
    "do_review_alert",
    "do_set_alcohol_protocol",
    "do_set_dose_schedule",
    "do_sign_order",
    "do_stop_home_medication",
    "do_update_facts",
    "do_update_medication_settings",
    "facts_read_mark",
    "home_drug_choices",
    "latest_pdmp_check",
    "may_override",
    "pdmp_required",
    "preview_order_check",
]
