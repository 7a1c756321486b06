"""``manage.py api_token``: create, list and revoke API tokens from the command line (audited,
with no actor: the system acted on an operator's command)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from detoxdesk.accounts.models import User
from detoxdesk.api import tokens
from detoxdesk.api.models import ApiToken, Scope


class Command(BaseCommand):
    help = (
        "API tokens. create USERNAME --name N --scope read [--scope record]: prints the token "
        "once. list [USERNAME]. revoke PREFIX."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token; it is printed once.")
        create.add_argument("username")
        create.add_argument("--name", required=True, help="What the token is for.")
        create.add_argument(
            "--scope", action="append", choices=Scope.values, required=True, dest="scopes"
        )
        listing = sub.add_parser("list", help="List tokens (never their secret).")
        listing.add_argument("username", nargs="?")
        revoke = sub.add_parser("revoke", help="Revoke a token by its prefix.")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            owner = User.objects.filter(username=options["username"]).first()
            if owner is None:
                raise CommandError(f"No account named {options['username']!r}.")
            try:
                new = tokens.do_create_token(
                    owner=owner, name=options["name"], scopes=options["scopes"], acting_user=None
                )
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
            self.stdout.write(new.secret)
            self.stderr.write("Keep this token now: it is not stored and cannot be shown again.")
        elif action == "list":
            rows = ApiToken.objects.select_related("user")
            if options["username"]:
                rows = rows.filter(user__username=options["username"])
            for token in rows[:500]:
                state = "active" if token.active else f"revoked {token.revoked_at:%Y-%m-%d %H:%M}"
                self.stdout.write(
                    f"{token.prefix}  {token.user.username}  {','.join(token.scopes)}  "
                    f"{token.name}  {state}"
                )
        else:
            found = ApiToken.objects.filter(prefix=options["prefix"]).first()
            if found is None:
                raise CommandError(f"No token with the prefix {options['prefix']!r}.")
            revoked = tokens.do_revoke_token(found, acting_user=None)
            self.stdout.write(
                f"Revoked {revoked.prefix} ({revoked.name}) of {revoked.user.username}."
            )
