"""``manage.py verify_audit``: prove the audit trail is whole, or name where it is not."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from detoxdesk.audit.verify import verify


class Command(BaseCommand):
    help = (
        "Check the audit hash chain. Exit status 0 and a one-line summary when it is intact; "
        "exit status 1 naming the first broken event otherwise."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        outcome = verify()
        if outcome.intact:
            self.stdout.write(outcome.summary())
            return
        self.stderr.write(outcome.summary())
        raise SystemExit(1)
