from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from detoxdesk.accounts.validators import DEMO_PASSWORD
from detoxdesk.demo import loader
from detoxdesk.patients import demo
from detoxdesk.portal import demo as portal_demo


class Command(BaseCommand):
    help = "Load the demo program, accounts and patients into an empty database."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (and succeed) if data already exists.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from detoxdesk.patients.models import Program

        if options["if_empty"] and Program.objects.exists():
            self.stdout.write("Demo data is already loaded.")
            return
        try:
            loader.load()
        except demo.DemoRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(
            f"Sign in with any of these usernames and the password {DEMO_PASSWORD!r}:"
        )
        for username, _first, _last, role, where in demo.ACCOUNTS:
            self.stdout.write(f"  {username:<12} {role.label} ({', '.join(where)})")
        self.stdout.write(f"  {portal_demo.USERNAME:<12} Patient (the patient portal, /my/)")
