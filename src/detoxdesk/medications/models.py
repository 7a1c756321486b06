"""Orders (with versions), administrations, the patient facts the safety engine needs, and the
program's medication settings.

An :class:`OrderLine` is the stable identity of one medication order; each signature (the first,
and every modification) adds an :class:`Order` version. Exactly one version of a line is current
(``superseded_at`` is null); the older ones stay visible. What is due is derived at read time.
"""

from __future__ import annotations

import uuid
from datetime import time
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from detoxdesk.monitoring.models import is_late


class MedicationSettings(models.Model):
    """A program's own medication settings; created on first use with everything off or unset.

    The clinical numbers a program may override (the precipitated-withdrawal window, how old
    vitals may be) ship unset because SPEC gives none. Shift start times are not clinical: they
    only group the medication record by shift.
    """

    program = models.OneToOneField(
        "patients.Program", on_delete=models.CASCADE, related_name="medication_settings"
    )
    nurses_may_override_stops = models.BooleanField(
        default=False, help_text="Nurses may override a safety stop (with a reason)."
    )
    second_signer_for_controlled = models.BooleanField(
        default=False,
        help_text="A controlled-substance administration needs a second staff signer.",
    )
    controlled_drugs = models.JSONField(
        default=list,
        blank=True,
        help_text="Drugs the program treats as controlled substances (drug codes).",
    )
    ciwa_benzodiazepine_enabled = models.BooleanField(
        default=False,
        help_text="Offer the CIWA-Ar-triggered benzodiazepine order set (doses set by the "
        "prescriber).",
    )
    precipitated_window_min = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Minutes after a first buprenorphine dose in which a rise in COWS is flagged.",
    )
    vitals_max_age_min = models.PositiveIntegerField(
        null=True, blank=True, help_text="Vitals older than this are flagged before a dose."
    )
    prn_reassessment_min = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Minutes after a PRN dose at which a re-assessment is due.",
    )
    shift_starts = models.JSONField(
        default=list,
        blank=True,
        help_text='Start times of the shifts of a day, "HH:MM" in the program time zone.',
    )
    pdmp_check_required = models.BooleanField(
        null=True,
        blank=True,
        help_text="Signing a controlled-substance order needs a PDMP check recorded first. "
        "Empty: the shipped default (knowledge/prescribing.toml).",
    )
    # The symptom-triggered benzodiazepine protocol for alcohol withdrawal, set by the medical
    # director (SPEC A6.2-A6.4 mark every number [U]: all ship unset; knowledge/alcohol.toml).
    ciwa_drug = models.CharField(
        max_length=32, blank=True, help_text="The benzodiazepine of the symptom-triggered set."
    )
    ciwa_trigger = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="CIWA-Ar total at or above which a dose is eligible."
    )
    ciwa_dose_mg = models.DecimalField(
        null=True, blank=True, max_digits=9, decimal_places=3, help_text="Dose at each trigger."
    )
    ciwa_reassess_min = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Minutes after a CIWA-Ar at or above the trigger, or a dose, to score again.",
    )
    phenobarbital_loading_mg_per_kg = models.DecimalField(
        null=True,
        blank=True,
        max_digits=6,
        decimal_places=2,
        help_text="Phenobarbital loading dose offered with the alcohol order set (mg/kg).",
    )
    wernicke_thiamine_regimen = models.TextField(
        blank=True, help_text="The thiamine regimen for suspected Wernicke encephalopathy."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "medication settings"

    def __str__(self) -> str:
        return f"Medication settings of {self.program}"


class PatientFacts(models.Model):
    """What the safety engine needs to know about the patient in one episode.

    None means not recorded (``pregnant`` and ``fentanyl_exposure`` are yes, no or not
    recorded). Allergies are read from the patient record itself.
    """

    class OpioidClass(models.TextChoices):
        SHORT_ACTING = "short_acting", "Short-acting opioids"
        EXTENDED_RELEASE = "extended_release", "Extended-release opioids"
        METHADONE = "methadone", "Methadone"
        FENTANYL = "fentanyl", "Fentanyl"

    episode = models.OneToOneField(
        "patients.Episode", on_delete=models.CASCADE, related_name="medication_facts"
    )
    opioid_class = models.CharField(max_length=24, choices=OpioidClass.choices, blank=True)
    last_opioid_use_at = models.DateTimeField(null=True, blank=True)
    benzodiazepine_use = models.BooleanField(default=False)
    fentanyl_exposure = models.BooleanField(null=True, blank=True)
    pregnant = models.BooleanField(null=True, blank=True)
    qtc_ms = models.PositiveSmallIntegerField(null=True, blank=True)
    qtc_measured_at = models.DateTimeField(null=True, blank=True)
    child_pugh_score = models.PositiveSmallIntegerField(null=True, blank=True)
    egfr = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    weight_kg = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name_plural = "patient facts"

    def __str__(self) -> str:
        return f"Medication facts for {self.episode}"


class HomeMedication(models.Model):
    """A medication the patient takes from home, recorded at evaluation or admission.

    ``drug`` is a product or ingredient code of the clinical knowledge (``clinical.products``),
    so that the safety engine can match it; the dose and frequency are optional, and without
    both the daily dose is unknown. A medication stopped is kept with ``stopped_at``.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    episode = models.ForeignKey(
        "patients.Episode", on_delete=models.PROTECT, related_name="home_medications"
    )
    drug = models.CharField(max_length=64)
    dose_mg = models.DecimalField(null=True, blank=True, max_digits=9, decimal_places=3)
    doses_per_day = models.PositiveSmallIntegerField(null=True, blank=True)
    frequency = models.CharField(max_length=100, blank=True, help_text='E.g. "at night".')
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["recorded_at", "pk"]
        indexes = [
            models.Index(fields=["episode", "stopped_at"], name="homemed_episode_stopped_idx")
        ]

    def __str__(self) -> str:
        return f"Home medication {self.drug}"

    @property
    def daily_dose_mg(self) -> Decimal | None:
        if self.dose_mg is None or self.doses_per_day is None:
            return None
        return self.dose_mg * self.doses_per_day


class OrderLine(models.Model):
    """The stable identity of one order across its versions."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        HELD = "held", "On hold"
        DISCONTINUED = "discontinued", "Discontinued"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    episode = models.ForeignKey(
        "patients.Episode", on_delete=models.PROTECT, related_name="order_lines"
    )
    drug = models.CharField(max_length=32)
    protocol = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["episode", "status"], name="orderline_episode_status_idx")]

    def __str__(self) -> str:
        return f"{self.drug} order {self.uuid}"


class Order(models.Model):
    """One signed version of an order line."""

    class Route(models.TextChoices):
        SUBLINGUAL = "sublingual", "sublingual"
        ORAL = "oral", "by mouth"
        BUCCAL = "buccal", "buccal"
        TRANSDERMAL = "transdermal", "transdermal"
        INTRAMUSCULAR = "intramuscular", "intramuscular"
        INTRAVENOUS = "intravenous", "intravenous"
        SUBCUTANEOUS = "subcutaneous", "subcutaneous"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveSmallIntegerField()
    drug = models.CharField(max_length=32)
    dose_mg = models.DecimalField(max_digits=9, decimal_places=3)
    route = models.CharField(max_length=16, choices=Route.choices)
    times_of_day = models.JSONField(
        default=list, blank=True, help_text='Scheduled administration times, "HH:MM" local.'
    )
    prn_indication = models.CharField(max_length=200, blank=True)
    min_interval_min = models.PositiveIntegerField(null=True, blank=True)
    max_dose_mg = models.DecimalField(null=True, blank=True, max_digits=9, decimal_places=3)
    max_daily_mg = models.DecimalField(null=True, blank=True, max_digits=9, decimal_places=3)
    hold_systolic_below = models.PositiveSmallIntegerField(null=True, blank=True)
    hold_diastolic_below = models.PositiveSmallIntegerField(null=True, blank=True)
    hold_heart_rate_below = models.PositiveSmallIntegerField(null=True, blank=True)
    trigger_scale = models.CharField(max_length=16, blank=True)
    trigger_min_total = models.PositiveSmallIntegerField(null=True, blank=True)
    dose_schedule = models.JSONField(
        null=True,
        blank=True,
        help_text='Optional daily doses: [{"date": "YYYY-MM-DD", "daily_dose_mg": "4"}].',
    )
    start_date = models.DateField(null=True, blank=True)
    controlled = models.BooleanField(default=False)
    instructions = models.TextField(blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField()
    change_reason = models.TextField(blank=True)
    sign_findings = models.JSONField(default=list, blank=True)
    sign_override_reason = models.TextField(blank=True)
    pdmp_check = models.ForeignKey(
        "PdmpCheck",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        help_text="The PDMP check a controlled-substance order was signed on.",
    )
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["line", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["line", "version"], name="order_version_unique"),
            models.UniqueConstraint(
                fields=["line"], condition=Q(superseded_at=None), name="order_one_current_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.summary} (v{self.version})"

    @property
    def is_prn(self) -> bool:
        return bool(self.prn_indication)

    @property
    def times(self) -> list[time]:
        return [time.fromisoformat(value) for value in self.times_of_day]

    @property
    def summary(self) -> str:
        """Drug, dose, route and schedule or PRN indication, in plain words."""
        from detoxdesk.medications.describe import order_summary

        return order_summary(self)


class Administration(models.Model):
    """One dose given, held, refused or omitted, with the safety check that preceded it."""

    class Outcome(models.TextChoices):
        GIVEN = "given", "Given"
        HELD = "held", "Held"
        REFUSED = "refused", "Refused"
        OMITTED = "omitted", "Omitted"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    episode = models.ForeignKey(
        "patients.Episode", on_delete=models.PROTECT, related_name="administrations"
    )
    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="administrations")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="administrations")
    drug = models.CharField(max_length=32)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    dose_mg = models.DecimalField(null=True, blank=True, max_digits=9, decimal_places=3)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    second_signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(blank=True)
    decision = models.CharField(max_length=8, blank=True)
    findings = models.JSONField(default=list, blank=True)
    warnings_acknowledged = models.BooleanField(default=False)
    override_reason = models.TextField(blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    covered_by_order_override = models.BooleanField(
        default=False,
        help_text="The stops were covered by the prescriber's override recorded on the order.",
    )

    class Meta:
        ordering = ["-occurred_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["line", "scheduled_for"],
                condition=Q(scheduled_for__isnull=False),
                name="administration_one_per_scheduled_dose",
            )
        ]
        indexes = [
            models.Index(
                fields=["episode", "drug", "-occurred_at"], name="administration_latest_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.drug} {self.outcome} at {self.occurred_at:%Y-%m-%d %H:%M}"

    @property
    def is_late_entry(self) -> bool:
        return is_late(self.occurred_at, self.recorded_at)

    @property
    def given_mg(self) -> Decimal:
        return self.dose_mg if self.outcome == self.Outcome.GIVEN and self.dose_mg else Decimal(0)


class AlertReview(models.Model):
    """A clinician's review of a possible-precipitated-withdrawal alert (the alert is derived)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    episode = models.ForeignKey(
        "patients.Episode", on_delete=models.PROTECT, related_name="medication_alert_reviews"
    )
    first_dose = models.ForeignKey(Administration, on_delete=models.PROTECT, related_name="+")
    assessment = models.ForeignKey(
        "monitoring.Assessment", on_delete=models.PROTECT, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["first_dose", "assessment"], name="alert_review_once_per_alert"
            )
        ]

    def __str__(self) -> str:
        return f"Alert reviewed by {self.reviewed_by} at {self.reviewed_at:%Y-%m-%d %H:%M}"


class PdmpCheck(models.Model):
    """A prescription drug monitoring program check, recorded before a controlled-substance
    order is signed (SPEC §A12 "PDMP-check record"): the state(s) queried, when, by whom, a
    summary of the result and the action taken, or "could not query" with the reason."""

    class Outcome(models.TextChoices):
        QUERIED = "queried", "Queried"
        COULD_NOT_QUERY = "could_not_query", "Could not query"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    episode = models.ForeignKey(
        "patients.Episode", on_delete=models.PROTECT, related_name="pdmp_checks"
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    states = models.JSONField(default=list, blank=True, help_text="States queried, e.g. OR, WA.")
    checked_at = models.DateTimeField()
    result_summary = models.TextField(
        blank=True,
        help_text="Prescriptions, prescribers, pharmacies; opioid and benzodiazepine overlap.",
    )
    action_taken = models.TextField(blank=True)
    reason = models.TextField(blank=True, help_text="Why the PDMP could not be queried.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-checked_at"]

    def __str__(self) -> str:
        outcome = self.get_outcome_display().lower()
        return f"PDMP check {outcome} at {self.checked_at:%Y-%m-%d %H:%M}"
