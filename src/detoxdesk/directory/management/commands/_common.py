"""Shared pieces of the directory's import commands."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

from detoxdesk.accounts.models import User


def count_rows(path: Path) -> int:
    """Data lines in the file (for the progress bar); quoted line breaks make it an estimate."""
    with path.open(encoding="utf-8-sig", newline="", errors="replace") as handle:
        return max(0, sum(1 for _ in handle) - 1)


def not_utf8(path: Path, exc: UnicodeDecodeError) -> CommandError:
    """The error for a file in another encoding: the import reads it whole before saving, so
    nothing was saved."""
    return CommandError(
        f"{path.name} is not UTF-8 text (byte {exc.start + 1} cannot be read); save it as "
        "CSV UTF-8 and import it again. Nothing was saved."
    )


def acting_user(username: str | None) -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"No active user named {username!r}.")
    return user


def existing_file(name: str) -> Path:
    path = Path(name)
    if not path.is_file():
        raise CommandError(f"No such file: {name}")
    return path
