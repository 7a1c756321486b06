"""Read-only questions other apps ask of the results (published contracts, INTERFACE.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet

from detoxdesk.clinical import labs
from detoxdesk.labs.models import Finding, Result

ALCOHOL = "alcohol"


def alcohol_positive(patient_id: int, since: datetime) -> bool:
    """True when a breath or blood alcohol result with specimen time >= ``since`` is positive."""
    return Finding.objects.filter(
        result__patient_id=patient_id,
        result__specimen_at__gte=since,
        analyte=ALCOHOL,
        outcome=Finding.Outcome.POSITIVE,
    ).exists()


def last_opioid_screen(patient_id: int) -> Result | None:
    """The patient's latest result with an opioid assay (``clinical.labs``: fentanyl, opiates,
    buprenorphine, methadone, oxycodone), its findings prefetched; None when there is none."""
    opioids = sorted(labs.catalogue().opioid_analytes)
    return (
        with_findings(Result.objects.filter(patient_id=patient_id, findings__analyte__in=opioids))
        .order_by("-specimen_at", "-pk")
        .first()
    )


def with_findings(results: QuerySet[Result]) -> QuerySet[Result]:
    """``results`` with who recorded them and their findings read in one more query."""
    return results.select_related("recorded_by").prefetch_related(
        Prefetch("findings", queryset=Finding.objects.order_by("pk"))
    )


@dataclass(frozen=True)
class FindingView:
    analyte: labs.Analyte
    finding: Finding

    @property
    def shown(self) -> str:
        if self.finding.value is not None:
            return f"{self.finding.value.normalize():f} {self.finding.unit}"
        return self.finding.get_outcome_display()

    @property
    def positive(self) -> bool:
        return self.finding.outcome == Finding.Outcome.POSITIVE


def describe(result: Result) -> dict[str, Any]:
    """A result for the pages: its panel, its findings in the panel's order, with windows."""
    panel = labs.catalogue().panels[result.panel]
    by_code = {f.analyte: f for f in result.findings.all()}
    findings = [FindingView(a, by_code[a.code]) for a in panel.analytes if a.code in by_code]
    return {
        "result": result,
        "panel": panel,
        "specimen": labs.SPECIMENS.get(result.specimen, result.specimen),
        "findings": findings,
        # For short views: what is not negative, and how many are.
        "notable": [f for f in findings if f.finding.outcome != Finding.Outcome.NEGATIVE],
        "negatives": sum(f.finding.outcome == Finding.Outcome.NEGATIVE for f in findings),
    }
