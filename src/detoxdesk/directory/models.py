"""The resource directory: treatment, meetings, housing and support to refer people to."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from detoxdesk.directory.tags import normalise

LATITUDE_VALIDATORS = [MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))]
LONGITUDE_VALIDATORS = [MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))]


class ResourceKind(models.TextChoices):
    TREATMENT_PROGRAM = "treatment_program", "Treatment program"
    OPIOID_TREATMENT_PROGRAM = "opioid_treatment_program", "Opioid treatment program"
    BUPRENORPHINE_PRESCRIBER = "buprenorphine_prescriber", "Buprenorphine prescriber"
    MUTUAL_HELP = "mutual_help", "Mutual-help meeting"
    SOBER_LIVING = "sober_living", "Sober living"
    PEER_SUPPORT = "peer_support", "Peer support"
    HOTLINE = "hotline", "Hotline"


class Resource(models.Model):
    """A place or service a patient can be referred to.

    ``services``, ``languages`` and ``payment`` are normalised tag lists (lower case, trimmed,
    unique, sorted); see ``detoxdesk.directory.tags.normalise``.
    """

    Kind = ResourceKind

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    external_id = models.CharField(
        max_length=100,
        unique=True,
        null=True,
        blank=True,
        help_text="Identity key used by the CSV import to update rather than duplicate a row.",
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=ResourceKind.choices)
    address_line = models.CharField("address", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField("state or region", max_length=100, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    latitude = models.DecimalField(
        max_digits=9, decimal_places=6, null=True, blank=True, validators=LATITUDE_VALIDATORS
    )
    longitude = models.DecimalField(
        max_digits=9, decimal_places=6, null=True, blank=True, validators=LONGITUDE_VALIDATORS
    )
    phone = models.CharField(max_length=40, blank=True)
    website = models.URLField(blank=True)
    hours = models.TextField(blank=True)
    services = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)
    payment = models.JSONField("payment accepted", default=list, blank=True)
    tag_index = models.TextField(
        blank=True,
        editable=False,
        help_text="Services, languages and payment as '|s:tag|l:tag|p:tag|' for exact matching.",
    )
    accepting_new_patients = models.BooleanField(default=True)
    notes = models.TextField(blank=True)
    last_verified_on = models.DateField(null=True, blank=True)
    last_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["kind", "name"], name="resource_kind_idx"),
            models.Index(fields=["latitude", "longitude"], name="resource_coords_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True)
                | models.Q(latitude__gte=-90, latitude__lte=90),
                name="resource_latitude_range",
            ),
            models.CheckConstraint(
                condition=models.Q(longitude__isnull=True)
                | models.Q(longitude__gte=-180, longitude__lte=180),
                name="resource_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def build_tag_index(self, *, normalised: bool = False) -> str:
        """Normalise the tag lists (unless already ``normalised``) and return their index form.

        The actions that save a resource (``directory.actions``, the import) store it in
        ``tag_index``.
        """
        if not normalised:
            self.services = normalise(self.services)
            self.languages = normalise(self.languages)
            self.payment = normalise(self.payment)
        keys = [f"{prefix}:{tag}" for prefix, tags in self._tag_lists() for tag in tags]
        return f"|{'|'.join(keys)}|" if keys else ""

    def _tag_lists(self) -> tuple[tuple[str, list[str]], ...]:
        return (("s", self.services), ("l", self.languages), ("p", self.payment))

    @property
    def one_line_address(self) -> str:
        """Street, city, region and postcode joined with commas, skipping blanks."""
        region_postcode = " ".join(p for p in (self.region, self.postcode) if p)
        return ", ".join(p for p in (self.address_line, self.city, region_postcode) if p)

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class Place(models.Model):
    """A postcode or place name with coordinates: a search can start there without a geocoder."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, validators=LATITUDE_VALIDATORS)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, validators=LONGITUDE_VALIDATORS)

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["name"], name="place_name_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()
