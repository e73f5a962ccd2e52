"""The two database roles (docs/security.md #9, docs/running.md, docs/decisions.md).

- The **owner** owns every table, sequence and function; it runs the migrations and the commands
  that change the schema (`manage.py as_owner …`). Its credentials live only where those run.
- The **application role** (DATABASE_URL of web, worker and beat) owns nothing: it may log in, read
  and write rows (SELECT/INSERT/UPDATE/DELETE on the tables, the sequences' nextval/setval) and use
  temporary tables, and nothing else — no TRUNCATE, no ALTER, no CREATE in the schema, not a
  superuser, not a member of the owner. So `TRUNCATE`, `SET session_replication_role = replica` or
  `ALTER TABLE … DISABLE TRIGGER` are refused to it, and the triggers that keep the audit trail and
  the registry versions append-only stay in force. Append-only tables (a `dtks_append_only` trigger)
  are not even granted UPDATE/DELETE.

Plain DB-API: works on a Django cursor or a psycopg one (run.py's embedded PostgreSQL keeper, which
has no Django settings), and imports nothing from Django.
"""

from __future__ import annotations

import re

ROLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
# What an application role is, set on every `app_role_ensure` so a role created by hand with more
# (say, CREATEROLE) is brought back to this.
APP_ROLE_ATTRIBUTES = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT"
TABLE_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"
SEQUENCE_PRIVILEGES = "USAGE, SELECT, UPDATE"
# Tables whose rows are never changed or removed (the trigger function refuses it anyway).
APPEND_ONLY_FUNCTION = "dtks_append_only"


def ident(name: str) -> str:
    """A role or database name as an SQL identifier; only plain names are accepted."""
    if not ROLE_NAME.fullmatch(name or ""):
        raise ValueError(f"not a plain PostgreSQL name: {name!r}")
    return '"' + name + '"'


def literal(text: str) -> str:
    """A string literal for utility statements that take no parameters (ALTER ROLE … PASSWORD)."""
    if "\x00" in text:
        raise ValueError("a NUL character cannot be part of a password")
    return "'" + text.replace("'", "''") + "'"


def current_user(cursor) -> str:
    cursor.execute("SELECT current_user")
    return cursor.fetchone()[0]


def app_role_ensure(cursor, *, role: str, password: str | None = None) -> bool:
    """Create the application role if it is missing, else reset it to APP_ROLE_ATTRIBUTES; set its
    password when one is given. Needs CREATEROLE (the owner in docker-compose, the superuser of the
    embedded server and of CI). Returns True when it was created."""
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    created = cursor.fetchone() is None
    verb = "CREATE" if created else "ALTER"
    cursor.execute(f"{verb} ROLE {ident(role)} WITH {APP_ROLE_ATTRIBUTES}")
    if password:
        cursor.execute(f"ALTER ROLE {ident(role)} WITH PASSWORD {literal(password)}")
    return created


def append_only_tables(cursor) -> list[str]:
    cursor.execute(
        """SELECT DISTINCT c.relname FROM pg_trigger t
           JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
           JOIN pg_proc p ON p.oid = t.tgfoid
           WHERE n.nspname = 'public' AND p.proname = %s AND NOT t.tgisinternal ORDER BY 1""",
        [APPEND_ONLY_FUNCTION],
    )
    return [row[0] for row in cursor.fetchall()]


def app_role_grant(cursor, *, app_role: str, owner_role: str) -> None:
    """The application role's privileges on the current database, from scratch: run it after every
    schema change (`manage.py as_owner` does), inside one transaction so the privileges change at
    once. Default privileges cover what the owner creates later, until the next run."""
    app, owner = ident(app_role), ident(owner_role)
    if app_role == owner_role:
        raise ValueError("the application role must not be the owner")
    cursor.execute("SELECT current_database()")
    database = ident(cursor.fetchone()[0])
    cursor.execute(f"GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {app}")
    cursor.execute(f"GRANT USAGE ON SCHEMA public TO {app}")
    # PostgreSQL before 15 lets everyone create in `public`; the application must not.
    cursor.execute(f"REVOKE CREATE ON SCHEMA public FROM PUBLIC, {app}")
    # From scratch: a privilege granted by hand earlier (TRUNCATE, TRIGGER…) does not survive.
    cursor.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {app}")
    cursor.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {app}")
    cursor.execute(f"GRANT {TABLE_PRIVILEGES} ON ALL TABLES IN SCHEMA public TO {app}")
    cursor.execute(f"GRANT {SEQUENCE_PRIVILEGES} ON ALL SEQUENCES IN SCHEMA public TO {app}")
    for table in append_only_tables(cursor):
        cursor.execute(f"REVOKE UPDATE, DELETE ON {ident(table)} FROM {app}")
    cursor.execute("SELECT to_regclass('public.django_migrations') IS NOT NULL")
    if cursor.fetchone()[0]:
        # The application reads the migration state (checks); only the owner's migrate writes it.
        cursor.execute(f"REVOKE INSERT, UPDATE, DELETE ON django_migrations FROM {app}")
    cursor.execute(
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT {TABLE_PRIVILEGES} ON TABLES TO {app}"
    )
    cursor.execute(
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public "
        f"GRANT {SEQUENCE_PRIVILEGES} ON SEQUENCES TO {app}"
    )
    problems = app_role_problems(cursor, role=app_role)
    if problems:
        raise RuntimeError(
            f"the application role {app_role} can do more than it should: " + "; ".join(problems)
        )


def app_role_problems(cursor, *, role: str) -> list[str]:
    """Everything that would let `role` rewrite history instead of adding to it; empty when it is a
    proper application role."""
    problems = []
    cursor.execute(
        "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = %s",
        [role],
    )
    row = cursor.fetchone()
    if row is None:
        return [f"role {role} does not exist"]
    for flag, name in zip(
        row, ("SUPERUSER", "CREATEROLE", "CREATEDB", "REPLICATION", "BYPASSRLS"), strict=True
    ):
        if flag:
            problems.append(f"has {name}")
    cursor.execute(
        """SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND pg_has_role(%s, c.relowner, 'MEMBER') ORDER BY 1 LIMIT 5""",
        [role],
    )
    owned = [r[0] for r in cursor.fetchall()]
    if owned:
        problems.append("owns (or is a member of the owner of) " + ", ".join(owned))
    cursor.execute(
        """SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'public' AND pg_has_role(%s, p.proowner, 'MEMBER') ORDER BY 1 LIMIT 5""",
        [role],
    )
    functions = [r[0] for r in cursor.fetchall()]
    if functions:
        problems.append("owns functions " + ", ".join(functions))
    cursor.execute(
        """SELECT c.relname, priv FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,
                  unnest(ARRAY['TRUNCATE', 'TRIGGER', 'REFERENCES']) AS priv
           WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
             AND has_table_privilege(%s, c.oid, priv) ORDER BY 1 LIMIT 5""",
        [role],
    )
    extra = [f"{priv} on {table}" for table, priv in cursor.fetchall()]
    if extra:
        problems.append("may " + ", ".join(extra))
    cursor.execute(
        """SELECT has_schema_privilege(%s, 'public', 'CREATE'),
                  has_database_privilege(%s, current_database(), 'CREATE'),
                  pg_has_role(%s, (SELECT datdba FROM pg_database WHERE datname = current_database()), 'MEMBER')""",
        [role, role, role],
    )
    schema_create, database_create, database_owner = cursor.fetchone()
    if schema_create:
        problems.append("may CREATE in schema public")
    if database_create:
        problems.append("may CREATE schemas in the database")
    if database_owner:
        problems.append("owns the database")
    return problems
