"""The controlled-substance ledger (21 CFR 1304; SPEC A14.2).

Stock sits in storage :class:`Location` s (a safe, a medication cart) of a facility, as
:class:`Lot` s of a :class:`Product`. :class:`Stock` holds the current balance of one lot at one
location: the row every change locks. :class:`Entry` is the append-only log: each change of stock
is one entry with who, when, why and the product-and-location balance after it; a correction is a
reversing entry. Entries are never edited nor deleted (the model refuses, and on PostgreSQL so
does the database).

A :class:`Count` is a blind shift count of one location signed by two staff; a difference opens a
:class:`Discrepancy` that a director resolves. An :class:`Inventory` is the initial or biennial
inventory of a facility.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class AppendOnlyError(Exception):
    """A ledger record was about to be changed or deleted."""


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Ledger records are never changed: record a reversing entry.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Ledger records are kept at least two years and never deleted.")


class AppendOnly(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Ledger records are never changed: record a reversing entry.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Ledger records are kept at least two years and never deleted.")


class Schedule(models.TextChoices):
    II = "II", "Schedule II"
    III = "III", "Schedule III"
    IV = "IV", "Schedule IV"
    V = "V", "Schedule V"


class Product(models.Model):
    """A finished form of a controlled substance the program stocks."""

    class DosageForm(models.TextChoices):
        TABLET = "tablet", "tablet"
        CAPSULE = "capsule", "capsule"
        FILM = "film", "film"
        SOLUTION = "solution", "oral solution"
        INJECTION = "injection", "injection"

    UNITS = {
        "tablet": "tablet",
        "capsule": "capsule",
        "film": "film",
        "solution": "mL",
        "injection": "mL",
    }

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    program = models.ForeignKey(
        "patients.Program", on_delete=models.PROTECT, related_name="controlled_products"
    )
    substance = models.CharField(
        max_length=64, help_text="The drug code an order names (knowledge/controlled.toml)."
    )
    label = models.CharField(max_length=200)
    strength_mg = models.DecimalField(
        max_digits=9, decimal_places=3, help_text="Milligrams of the substance in one unit."
    )
    strength = models.CharField(max_length=64, help_text='As labelled, e.g. "8 mg" or "10 mg/mL".')
    dosage_form = models.CharField(max_length=16, choices=DosageForm.choices)
    units_per_container = models.PositiveIntegerField()
    schedule = models.CharField(max_length=4, choices=Schedule.choices)
    ndc = models.CharField(max_length=20, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["substance", "strength_mg", "dosage_form"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "substance", "strength_mg", "dosage_form"],
                name="controlled_product_unique",
            ),
            models.CheckConstraint(
                condition=Q(strength_mg__gt=0), name="controlled_product_strength_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.strength} {self.get_dosage_form_display()}"

    @property
    def unit(self) -> str:
        return self.UNITS.get(self.dosage_form, self.dosage_form)


class Location(models.Model):
    """A storage location of a facility: a safe or a medication cart."""

    class Kind(models.TextChoices):
        SAFE = "safe", "Safe"
        CART = "cart", "Medication cart"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    facility = models.ForeignKey(
        "patients.Facility", on_delete=models.PROTECT, related_name="controlled_locations"
    )
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["facility", "name"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "name"], name="controlled_location_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Lot(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="lots")
    number = models.CharField(max_length=64)
    expires_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["expires_on", "number"]
        constraints = [
            models.UniqueConstraint(fields=["product", "number"], name="controlled_lot_unique")
        ]

    def __str__(self) -> str:
        return f"lot {self.number}"


class Stock(models.Model):
    """The balance of one lot at one location; locked by every change (never below zero)."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="stock")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="stock")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="stock")
    units = models.DecimalField(max_digits=12, decimal_places=3, default=Decimal(0))

    class Meta:
        ordering = ["location", "product", "lot"]
        constraints = [
            models.UniqueConstraint(fields=["location", "lot"], name="controlled_stock_unique"),
            models.CheckConstraint(condition=Q(units__gte=0), name="controlled_stock_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.units} of {self.lot} at {self.location}"


class Entry(AppendOnly):
    """One change of stock; ``amount`` is signed (in positive, out negative), in units."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", "Receipt"
        ADMINISTRATION = "administration", "Administration"
        WASTE = "waste", "Waste"
        RETURN = "return", "Return"
        DESTRUCTION = "destruction", "Destruction"
        TRANSFER_IN = "transfer_in", "Transfer in"
        TRANSFER_OUT = "transfer_out", "Transfer out"
        TAKE_HOME = "take_home", "Take-home dispensing"
        ADJUSTMENT = "adjustment", "Adjustment"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    facility = models.ForeignKey(
        "patients.Facility", on_delete=models.PROTECT, related_name="controlled_entries"
    )
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="entries")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="entries")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=3)
    amount_take_home = models.DecimalField(max_digits=12, decimal_places=3, default=Decimal(0))
    balance_after = models.DecimalField(max_digits=12, decimal_places=3)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    second_witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True)
    supplier = models.CharField(max_length=200, blank=True)
    supplier_dea_number = models.CharField(max_length=20, blank=True)
    document_number = models.CharField(
        max_length=64, blank=True, help_text="Invoice or order form (DEA Form 222) number."
    )
    form_41_reference = models.CharField(max_length=64, blank=True)
    patient = models.ForeignKey(
        "patients.Patient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    administration = models.ForeignKey(
        "medications.Administration",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="controlled_entries",
    )
    counterpart = models.ForeignKey(
        Location,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The other location of a transfer.",
    )
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "entries"
        indexes = [
            models.Index(fields=["facility", "occurred_at"], name="ctrl_entry_when_idx"),
            models.Index(fields=["location", "product", "id"], name="ctrl_entry_chain_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="controlled_entry_balance_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(amount=0) | Q(amount_take_home__gt=0) | Q(kind="adjustment"),
                name="controlled_entry_moves_stock",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.product.unit}"


class DoseDraw(AppendOnly):
    """What a given dose drew: administered + wasted never exceeds drawn."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    administration = models.OneToOneField(
        "medications.Administration", on_delete=models.PROTECT, related_name="controlled_draw"
    )
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    drawn = models.DecimalField(max_digits=12, decimal_places=3)
    administered = models.DecimalField(max_digits=12, decimal_places=3)
    wasted = models.DecimalField(max_digits=12, decimal_places=3, default=Decimal(0))
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(administered__gte=0) & Q(wasted__gte=0),
                name="controlled_draw_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(drawn__gte=F("administered") + F("wasted")),
                name="controlled_draw_accounts_for_units",
            ),
            models.CheckConstraint(
                condition=Q(wasted=0) | Q(witness__isnull=False),
                name="controlled_draw_waste_witnessed",
            ),
        ]

    def __str__(self) -> str:
        return f"Draw of {self.drawn} for {self.administration}"


class Count(AppendOnly):
    """A blind shift count of one location, signed by the counter and a second staff member."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="counts")
    counted_at = models.DateTimeField()
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    cosigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-counted_at"]

    def __str__(self) -> str:
        return f"Count of {self.location} at {self.counted_at:%Y-%m-%d %H:%M}"


class CountLine(AppendOnly):
    count = models.ForeignKey(Count, on_delete=models.PROTECT, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    expected = models.DecimalField(max_digits=12, decimal_places=3)
    counted = models.DecimalField(max_digits=12, decimal_places=3)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.product}: counted {self.counted}, expected {self.expected}"

    @property
    def difference(self) -> Decimal:
        return self.counted - self.expected


class Discrepancy(models.Model):
    """A difference found by a count; open until a director resolves it with a reason."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    facility = models.ForeignKey(
        "patients.Facility", on_delete=models.PROTECT, related_name="controlled_discrepancies"
    )
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="discrepancies")
    count_line = models.OneToOneField(
        CountLine, on_delete=models.PROTECT, related_name="discrepancy"
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    expected = models.DecimalField(max_digits=12, decimal_places=3)
    counted = models.DecimalField(max_digits=12, decimal_places=3)
    opened_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution = models.TextField(blank=True)
    significant_loss = models.BooleanField(
        default=False, help_text="The director judged it a theft or significant loss (Form 106)."
    )

    class Meta:
        ordering = ["-opened_at"]
        verbose_name_plural = "discrepancies"
        indexes = [
            models.Index(fields=["facility", "resolved_at"], name="ctrl_discrepancy_open_idx")
        ]

    def __str__(self) -> str:
        return f"Discrepancy of {self.product} at {self.location}"

    @property
    def difference(self) -> Decimal:
        return self.counted - self.expected


class Inventory(AppendOnly):
    """The initial or biennial inventory of a facility (21 CFR 1304.11), signed."""

    class Kind(models.TextChoices):
        INITIAL = "initial", "Initial inventory"
        BIENNIAL = "biennial", "Biennial inventory"

    class Time(models.TextChoices):
        OPENING = "opening", "At the opening of business"
        CLOSE = "close", "At the close of business"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    facility = models.ForeignKey(
        "patients.Facility", on_delete=models.PROTECT, related_name="controlled_inventories"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    taken_on = models.DateField()
    taken_at = models.CharField(max_length=8, choices=Time.choices)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField()

    class Meta:
        ordering = ["-taken_on", "-pk"]
        verbose_name_plural = "inventories"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.taken_on:%Y-%m-%d}"


class InventoryLine(AppendOnly):
    inventory = models.ForeignKey(Inventory, on_delete=models.PROTECT, related_name="lines")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=12, help_text='"exact" or "estimated" (1304.11).')
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    ledger_balance = models.DecimalField(max_digits=12, decimal_places=3)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.product} {self.lot}: {self.quantity}"
