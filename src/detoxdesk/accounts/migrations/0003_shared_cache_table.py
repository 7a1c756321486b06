"""The database cache table that keeps the limits (inquiries, public search) for every worker.

``createcachetable`` reads CACHES: with REDIS_URL set there is nothing to create. Running it again
later (``manage.py createcachetable``) is harmless.
"""

from typing import Any

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps: Any, schema_editor: Any) -> None:
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_sign_in_by_axes_and_mfa_policy")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
