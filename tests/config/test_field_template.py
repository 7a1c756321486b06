from __future__ import annotations

import re

from django import forms
from django.template.loader import render_to_string


class _Form(forms.Form):
    dose = forms.IntegerField(help_text="Whole milligrams.", min_value=1)


def test_it_points_each_field_at_its_help_text_and_error() -> None:
    """Screen readers read a field's help and error because aria-describedby names real ids."""
    form = _Form({"dose": "0"})
    form.is_valid()
    html = render_to_string("includes/field.html", {"field": form["dose"]})
    described = re.search(r'aria-describedby="([^"]+)"', html)
    assert described is not None
    ids = set(re.findall(r'\sid="([^"]+)"', html))
    for target in described.group(1).split():
        assert target in ids, f"aria-describedby names {target!r}, which is not on the page"
