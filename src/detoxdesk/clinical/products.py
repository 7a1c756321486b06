"""Products and their ingredients: what an allergy is matched by.

An allergy is recorded against an ingredient (``naloxone``), and a product matches it when the
product contains that ingredient (``buprenorphine_naloxone``). Every drug of the medication policy
is a product of the one ingredient that has its code, unless ``products.toml`` says otherwise.
The data lives in ``knowledge/products.toml``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from detoxdesk.clinical import knowledge
from detoxdesk.clinical.errors import KnowledgeError


@dataclass(frozen=True)
class Product:
    code: str
    label: str
    ingredients: frozenset[str]


@dataclass(frozen=True)
class Catalogue:
    ingredients: Mapping[str, str]  # code -> label, in file order
    products: Mapping[str, Product]


def _table(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    table = data.get(key, {})
    if not isinstance(table, Mapping):
        raise KnowledgeError(f"products.toml: [{key}] must be a table")
    return table


def build_catalogue(data: Mapping[str, Any]) -> Catalogue:
    """Check and build the catalogue from parsed ``products.toml``; KnowledgeError if malformed."""
    ingredients: dict[str, str] = {}
    for code, entry in _table(data, "ingredients").items():
        label = entry.get("label") if isinstance(entry, Mapping) else None
        if not isinstance(label, str) or not label.strip():
            raise KnowledgeError(f"products.toml [ingredients.{code}]: a label is required")
        ingredients[code] = label
    products: dict[str, Product] = {}
    for code, entry in _table(data, "products").items():
        if not isinstance(entry, Mapping):
            raise KnowledgeError(f"products.toml [products.{code}]: expected a table")
        label, parts = entry.get("label"), entry.get("ingredients")
        if not isinstance(label, str) or not isinstance(parts, list) or not parts:
            raise KnowledgeError(
                f"products.toml [products.{code}]: a label and a list of ingredients are required"
            )
        unknown = [part for part in parts if part not in ingredients]
        if unknown:
            listed = ", ".join(map(str, unknown))
            raise KnowledgeError(f"products.toml [products.{code}]: unknown ingredient(s) {listed}")
        products[code] = Product(code, label, frozenset(parts))
    return Catalogue(ingredients, products)


@cache
def catalogue() -> Catalogue:
    return build_catalogue(knowledge.load("products"))


def ingredient_choices() -> tuple[tuple[str, str], ...]:
    """``(code, label)`` of every known ingredient, for the allergy form's list."""
    return tuple(catalogue().ingredients.items())


def ingredient_label(code: str) -> str:
    return catalogue().ingredients.get(code, code)


def ingredients_of(product: str) -> frozenset[str]:
    """The ingredient codes of a product or drug code; a drug not listed is its own ingredient."""
    found = catalogue().products.get(product)
    return found.ingredients if found else frozenset({product})


def allergy_matches(product: str, allergies: Iterable[str]) -> tuple[str, ...]:
    """The recorded allergy ingredient codes that ``product`` contains, in the order given."""
    contained = ingredients_of(product)
    return tuple(code for code in allergies if code in contained)
