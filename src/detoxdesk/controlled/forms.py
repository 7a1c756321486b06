"""Forms of the controlled-substance ledger. Fields validate shape; the actions check the rules
(balances, witnesses, permissions) inside their transaction."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from detoxdesk.clinical import controlled as rules
from detoxdesk.controlled.models import Entry, Inventory, Location, Product, Schedule

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


def _when(label: str = "When") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=False,
        input_formats=DATETIME_FORMATS,
        help_text="Leave empty for now.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


def _units(label: str = "Units") -> forms.DecimalField:
    return forms.DecimalField(
        label=label, min_value=Decimal("0.001"), max_digits=12, decimal_places=3
    )


class SignerFields(forms.Form):
    """A second person's username and password (checked by the view)."""

    def signer(self, name: str, label: str, required: bool = True) -> None:
        self.fields[name] = forms.CharField(label=f"{label}'s username", required=required)
        self.fields[f"{name}_password"] = forms.CharField(
            label=f"{label}'s password", required=required, widget=forms.PasswordInput
        )


class LotChoiceForm(SignerFields):
    """A form that moves stock of one lot at one location (choices set by the view)."""

    stock = forms.ChoiceField(label="Location and lot")

    def __init__(self, *args: Any, stock_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stock"].choices = [("", "Choose…"), *stock_choices]  # type: ignore[attr-defined]


class ReceiptForm(forms.Form):
    location = forms.ChoiceField(label="Received into")
    product = forms.ChoiceField(label="Product")
    lot_number = forms.CharField(label="Lot number", max_length=64)
    expires_on = forms.DateField(
        label="Expiry date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    units_received = _units("Units received")
    supplier = forms.CharField(label="Supplier (name and address)", max_length=200)
    supplier_dea_number = forms.CharField(
        label="Supplier's DEA number", max_length=20, required=False
    )
    document_number = forms.CharField(label="Invoice or DEA Form 222 number", max_length=64)
    occurred_at = _when("Received at")

    def __init__(
        self,
        *args: Any,
        locations: list[Location],
        products: list[Product],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].choices = [("", "Choose…")] + [  # type: ignore[attr-defined]
            (str(loc.uuid), loc.name) for loc in locations
        ]
        self.fields["product"].choices = [("", "Choose…")] + [  # type: ignore[attr-defined]
            (str(p.uuid), f"{p} (Schedule {p.schedule})") for p in products
        ]


class WasteForm(LotChoiceForm):
    units_wasted = _units("Units wasted")
    reason = forms.CharField(label="What happened", widget=forms.Textarea(attrs={"rows": 2}))
    occurred_at = _when()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.signer("witness", "Witness")


class ReturnForm(LotChoiceForm):
    units_returned = _units("Units returned")
    supplier = forms.CharField(
        label="Returned to (supplier or reverse distributor)", max_length=200
    )
    document_number = forms.CharField(label="Return or order form number", max_length=64)
    reason = forms.CharField(label="Why", widget=forms.Textarea(attrs={"rows": 2}))
    occurred_at = _when()


class DestructionForm(LotChoiceForm):
    units_destroyed = _units("Units destroyed")
    form_41_reference = forms.CharField(label="DEA Form 41 reference", max_length=64)
    reason = forms.CharField(
        label="Manner of destruction", widget=forms.Textarea(attrs={"rows": 2})
    )
    occurred_at = _when()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.signer("witness", "First witness")
        self.signer("second_witness", "Second witness")


class TransferForm(LotChoiceForm):
    target = forms.ChoiceField(label="Move to")
    units_moved = _units("Units moved")
    reason = forms.CharField(label="Note", required=False, max_length=500)
    occurred_at = _when()

    def __init__(self, *args: Any, targets: list[Location], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [("", "Choose…")] + [  # type: ignore[attr-defined]
            (str(loc.uuid), f"{loc.facility.name} · {loc.name}") for loc in targets
        ]


class TakeHomeForm(LotChoiceForm):
    record_number = forms.CharField(label="Patient record number", max_length=32)
    units_dispensed = _units("Units dispensed to take home")
    reason = forms.CharField(label="Note", required=False, max_length=500)
    occurred_at = _when("Dispensed at")


class AdjustmentForm(LotChoiceForm):
    change = forms.DecimalField(
        label="Change in units (negative to remove)", max_digits=12, decimal_places=3
    )
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 2}))
    occurred_at = _when()


class ReverseForm(forms.Form):
    reason = forms.CharField(
        label="Why this entry was wrong", widget=forms.Textarea(attrs={"rows": 2})
    )
    confirm = forms.BooleanField(label="Record a reversing entry (the original stays in the log)")


class CountForm(SignerFields):
    """A blind count: one field per product, without the expected balance."""

    note = forms.CharField(label="Note", required=False, max_length=500)

    def __init__(self, *args: Any, products: list[Product], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.products = products
        for product in products:
            self.fields[f"product_{product.uuid}"] = forms.DecimalField(
                label=f"{product} — {product.unit}s counted",
                min_value=0,
                max_digits=12,
                decimal_places=3,
            )
        self.signer("cosigner", "Second staff member")

    def product_fields(self) -> list[forms.BoundField]:
        return [self[f"product_{p.uuid}"] for p in self.products]

    def counted(self) -> dict[str, Decimal | None]:
        return {str(p.uuid): self.cleaned_data.get(f"product_{p.uuid}") for p in self.products}


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label="What was found, and the reason for the difference",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    adjust_to_count = forms.BooleanField(
        label="Adjust the ledger to the count (an adjustment entry with this reason)",
        required=False,
    )
    significant_loss = forms.BooleanField(
        label="This is a theft or significant loss (DEA Form 106)", required=False
    )
    confirm = forms.BooleanField(label="I resolve this discrepancy")


class InventoryForm(forms.Form):
    kind = forms.ChoiceField(label="Inventory", choices=Inventory.Kind.choices)
    taken_on = forms.DateField(label="Date taken", widget=forms.DateInput(attrs={"type": "date"}))
    taken_at = forms.ChoiceField(
        label="Taken", choices=Inventory.Time.choices, widget=forms.RadioSelect
    )
    sign = forms.BooleanField(label="I sign this inventory as taken")

    def __init__(self, *args: Any, stock: list[Any], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"taken_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.stock = stock
        for row in stock:
            method = rules.count_method(
                row.product.schedule, row.product.units_per_container, row.product.dosage_form
            )
            self.fields[f"stock_{row.pk}"] = forms.DecimalField(
                label=f"{row.location.name} · {row.product} · lot {row.lot.number} "
                f"({'exact count' if method == 'exact' else 'estimate allowed'})",
                min_value=0,
                max_digits=12,
                decimal_places=3,
            )

    def stock_fields(self) -> list[forms.BoundField]:
        return [self[f"stock_{row.pk}"] for row in self.stock]

    def quantities(self) -> dict[int, Decimal | None]:
        return {row.pk: self.cleaned_data.get(f"stock_{row.pk}") for row in self.stock}


class ProductForm(forms.Form):
    substance = forms.ChoiceField(label="Substance")
    label = forms.CharField(label="Name as labelled", max_length=200, required=False)
    strength_mg = forms.DecimalField(
        label="Milligrams in one unit", min_value=Decimal("0.001"), max_digits=9, decimal_places=3
    )
    strength = forms.CharField(
        label='Strength as labelled (e.g. "8 mg")', max_length=64, required=False
    )
    dosage_form = forms.ChoiceField(label="Dosage form", choices=Product.DosageForm.choices)
    units_per_container = forms.IntegerField(
        label="Units per container", min_value=1, max_value=2147483647
    )
    schedule = forms.ChoiceField(
        label="DEA schedule (empty: from the controlled list)",
        choices=[("", "From the controlled list"), *Schedule.choices],
        required=False,
    )
    ndc = forms.CharField(label="NDC (optional)", max_length=20, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["substance"].choices = [("", "Choose…")] + [  # type: ignore[attr-defined]
            (code, f"{s.label} (Schedule {s.schedule})") for code, s in rules.substances().items()
        ]


class ProductEditForm(ProductForm):
    """A product's edit form; ``version`` is the fingerprint of the product as read."""

    version = forms.CharField(widget=forms.HiddenInput, max_length=32, required=False)

    def __init__(self, *args: Any, product: Product, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["substance"]
        if product.substance not in dict(field.choices):  # type: ignore[attr-defined]
            field.choices = [  # type: ignore[attr-defined]
                *field.choices,  # type: ignore[attr-defined]
                (product.substance, product.substance),
            ]


class LocationForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100)
    kind = forms.ChoiceField(label="Kind", choices=Location.Kind.choices)


class LocationEditForm(LocationForm):
    version = forms.CharField(widget=forms.HiddenInput, max_length=32, required=False)


class LogFilterForm(forms.Form):
    facility = forms.ChoiceField(label="Facility", required=False)
    first = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    last = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))
    substance = forms.ChoiceField(label="Substance", required=False)
    entry = forms.ChoiceField(
        label="Entry", required=False, choices=[("", "Every entry"), *Entry.Kind.choices]
    )

    def __init__(self, *args: Any, facilities: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["facility"].choices = [("", "All my facilities")] + [  # type: ignore[attr-defined]
            (str(f.uuid), f.name) for f in facilities
        ]
        self.fields["substance"].choices = [("", "Every substance")] + [  # type: ignore[attr-defined]
            (code, s.label) for code, s in rules.substances().items()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("first") and data.get("last") and data["last"] < data["first"]:
            self.add_error("last", "The last day is before the first.")
        return data
