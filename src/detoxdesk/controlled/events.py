"""Audit event names written by the controlled-substance ledger (merged into the registry)."""

from __future__ import annotations

EVENTS: dict[str, str] = {
    "controlled.product_saved": "A controlled-substance product was added or changed",
    "controlled.location_saved": "A controlled-substance storage location was added or changed",
    "controlled.product_deactivated": "A controlled-substance product was no longer stocked",
    "controlled.product_reactivated": "A controlled-substance product was stocked again",
    "controlled.location_deactivated": "A controlled storage location was taken out of use",
    "controlled.location_reactivated": "A controlled storage location was put back in use",
    "controlled.entry_recorded": "A controlled-substance ledger entry was recorded",
    "controlled.entry_reversed": "A controlled-substance ledger entry was reversed",
    "controlled.dose_drawn": "A controlled-substance dose was drawn from stock",
    "controlled.counted": "A controlled-substance shift count was signed",
    "controlled.discrepancy_opened": "A count differed from the ledger: a discrepancy was opened",
    "controlled.discrepancy_resolved": "A controlled-substance discrepancy was resolved",
    "controlled.inventory_signed": "A controlled-substance inventory was signed",
    "controlled.log_viewed": "The controlled-substance dispensing log was viewed",
    "controlled.log_exported": "The controlled-substance dispensing log was downloaded",
    "controlled.stock_viewed": "The controlled-substance stock of a facility was viewed",
}
