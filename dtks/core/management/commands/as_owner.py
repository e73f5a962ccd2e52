"""`manage.py as_owner COMMAND [ARGS]`: run a management command connected as the owner of the
tables (DATABASE_OWNER_URL), then grant the application role (DATABASE_URL's user) its privileges.

The commands that change the schema run this way — `migrate`, `createcachetable`, `load_regions`,
`load_registry` and `seed_demo` (the baseline load drops and rebuilds indexes in its transaction) —
while web, worker and beat connect as the application role, which owns nothing (dtks/core/db_roles.py,
docs/running.md). `--create-app-role` first creates the application role (or resets it) with the
password of DATABASE_URL: the init step of docker-compose.yml. Without DATABASE_OWNER_URL one role is
both (a development database): the command just runs.
"""

import argparse
import os

import dj_database_url
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections, transaction

from dtks.core.db_roles import app_role_ensure, app_role_grant, current_user


class Command(BaseCommand):
    help = (
        "Runs a management command connected as the owner role (DATABASE_OWNER_URL), then grants the "
        "application role (DATABASE_URL) SELECT/INSERT/UPDATE/DELETE on the tables and nothing more."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--create-app-role",
            action="store_true",
            help="Create (or reset) the application role of DATABASE_URL with its password first.",
        )
        parser.add_argument("command_name", nargs="?", help="The command to run as the owner, e.g. migrate.")
        parser.add_argument("command_args", nargs=argparse.REMAINDER, help="Its arguments.")

    def handle(self, *args, command_name=None, command_args=(), create_app_role=False, **options):
        owner_url = settings.DTKS_DATABASE_OWNER_URL
        connection = connections["default"]
        app = dict(connection.settings_dict)
        if owner_url:
            owner = dj_database_url.parse(owner_url)
            if owner["NAME"] != app["NAME"]:
                raise CommandError(
                    f"DATABASE_OWNER_URL names database {owner['NAME']!r}, DATABASE_URL {app['NAME']!r}: "
                    "both must name the same database."
                )
            # From here this process (and any process it starts) connects as the owner.
            connection.close()
            connection.settings_dict.update({key: owner[key] for key in ("USER", "PASSWORD", "HOST", "PORT")})
            connection.settings_dict["OPTIONS"] = {**app.get("OPTIONS", {}), **owner.get("OPTIONS", {})}
            os.environ["DATABASE_URL"] = owner_url
        elif create_app_role:
            raise CommandError("--create-app-role needs DATABASE_OWNER_URL (the owner creates the role).")

        with connection.cursor() as cursor:
            owner_role = current_user(cursor)
        two_roles = bool(owner_url) and app["USER"] != owner_role
        if owner_url and not two_roles:
            raise CommandError(
                f"DATABASE_URL and DATABASE_OWNER_URL are the same role ({owner_role}): the application "
                "must connect as a role that owns nothing."
            )
        if create_app_role:
            with connection.cursor() as cursor:
                created = app_role_ensure(cursor, role=app["USER"], password=app.get("PASSWORD") or None)
            self.stdout.write(f"application role {app['USER']}: {'created' if created else 'updated'}")
        if command_name:
            call_command(command_name, *command_args)
        if two_roles:
            with transaction.atomic(), connection.cursor() as cursor:
                app_role_grant(cursor, app_role=app["USER"], owner_role=owner_role)
            self.stdout.write(f"application role {app['USER']}: privileges granted by {owner_role}")
