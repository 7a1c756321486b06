from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

DEMO_PASSWORD = "detox-demo-2026"  # noqa: S105 - documented demo password, refused in production


class NotDemoPasswordValidator:
    """Refuses the published demo password wherever demo data is not allowed."""

    def validate(self, password: str, user: Any = None) -> None:
        if password == DEMO_PASSWORD and not settings.DEMO_ALLOWED:
            raise ValidationError("The demo password cannot be used here.", code="demo_password")

    def get_help_text(self) -> str:
        return "Your password cannot be the published demo password."
