"""Factory functions for the resource directory tests."""

from __future__ import annotations

import itertools
from decimal import Decimal

from detoxdesk.directory.models import Place, Resource

_counter = itertools.count(1)


def make_resource(**fields: object) -> Resource:
    n = next(_counter)
    fields.setdefault("name", f"Resource {n}")
    fields.setdefault("kind", Resource.Kind.TREATMENT_PROGRAM)
    for key in ("latitude", "longitude"):
        if isinstance(fields.get(key), float | int | str):
            fields[key] = Decimal(str(fields[key]))
    resource = Resource(**fields)
    resource.tag_index = resource.build_tag_index()
    resource.save()
    return resource


def make_place(code: str, name: str, lat: float, lon: float) -> Place:
    return Place.objects.create(
        code=code, name=name, latitude=Decimal(str(lat)), longitude=Decimal(str(lon))
    )


CSV_HEADER = (
    "external_id,name,type,address,city,region,postcode,latitude,longitude,phone,"
    "services,languages,payment,accepting_new_patients,last_verified"
)


def csv_text(*rows: str, header: str = CSV_HEADER) -> str:
    return "\n".join((header, *rows)) + "\n"
