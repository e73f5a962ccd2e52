"""Helpers to run the real processes (Celery worker and beat, gunicorn) against the test database.

Used by the `celery_worker_proc` session fixture in tests/conftest.py and by the production-shape
smoke test. A child gets DATABASE_URL for the *test* database (its name is only known once
pytest-django has created it), DJANGO_SETTINGS_MODULE=dtks.settings.test, and the broker and var/
folder of the test process, so a task sent here is run there against the same rows.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def executable(name: str) -> str:
    """A console script of the interpreter running the tests (the venv's celery, gunicorn)."""
    path = BIN / name
    return str(path) if path.exists() else name


def database_url(settings_dict: dict) -> str:
    """DATABASE_URL for a Django database settings dict (TCP host or a unix-socket directory)."""
    host = settings_dict.get("HOST") or settings_dict.get("OPTIONS", {}).get("host") or ""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{quote(password, safe='')}@" if password else (f"{user}@" if user else "")
    port = settings_dict.get("PORT") or ""
    netloc = quote(host, safe="") + (f":{port}" if port else "")
    return f"postgres://{auth}{netloc}/{quote(settings_dict['NAME'], safe='')}"


def child_env(settings_dict: dict, **extra: str) -> dict[str, str]:
    from django.conf import settings

    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="dtks.settings.test",
        DATABASE_URL=database_url(settings_dict),
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        DTKS_VAR_DIR=str(settings.VAR_DIR),
        PYTHONUNBUFFERED="1",
        PATH=str(BIN) + os.pathsep + env.get("PATH", ""),
    )
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    log.parent.mkdir(parents=True, exist_ok=True)
    out = log.open("w")
    try:
        return subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    finally:
        out.close()  # the child holds its own descriptor


def stop(proc: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM (warm shutdown), then SIGKILL the whole process group (prefork children too)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(10)


def tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wait_for_log(proc: subprocess.Popen, log: Path, text: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if log.exists() and text in log.read_text(errors="replace"):
            return
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[:4]} exited with {proc.returncode}:\n{tail(log)}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{text!r} not in {log} after {timeout:.0f} s:\n{tail(log)}")
        time.sleep(0.2)


def http_get(url: str, timeout: float = 5) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")
    except (urllib.error.URLError, OSError):
        return 0, ""


def wait_for_http(proc: subprocess.Popen, log: Path, url: str, timeout: float = 60) -> tuple[int, str]:
    deadline = time.monotonic() + timeout
    while True:
        status, body = http_get(url)
        if status == 200:
            return status, body
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}:\n{tail(log)}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} answered {status} after {timeout:.0f} s:\n{tail(log)}")
        time.sleep(0.3)
