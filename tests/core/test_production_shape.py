"""docker-compose.yml is the production shape; no Docker engine runs here, so this test
(a) reads the compose file, (b) starts its web, worker and beat commands without Docker against the
test database and broker, and (c) runs Django's deployment checks on the production settings."""

import json
import re
import secrets
import subprocess
import sys
import time
import uuid
from types import SimpleNamespace

import pytest
import yaml
from django.db import connection

from dtks.core.models import WorkerHeartbeat
from dtks.core.tasks import heartbeat
from tests import conftest_worker as procs
from tests.db_roles import APP_ROLE, as_app_role

COMPOSE = procs.ROOT / "docker-compose.yml"
DOCKERFILE = procs.ROOT / "Dockerfile"
APP_SERVICES = ("migrate", "web", "worker", "beat")


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(COMPOSE.read_text())


def command(service: dict) -> list[str]:
    cmd = service["command"]
    assert isinstance(cmd, list), "commands are exec-form lists (no shell between signals and the process)"
    return [str(part) for part in cmd]


# --- (a) the file itself -----------------------------------------------------------------------


def test_compose_services(compose):
    services = compose["services"]
    assert set(services) == {"postgres", "redis", *APP_SERVICES}
    assert services["postgres"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")
    for name, service in services.items():
        if name != "migrate":
            assert "healthcheck" in service, f"{name} has no healthcheck"
            assert service["healthcheck"]["test"], name


def test_app_services_share_one_image(compose):
    services = compose["services"]
    images = {services[name]["image"] for name in APP_SERVICES}
    builds = {json.dumps(services[name]["build"], sort_keys=True) for name in APP_SERVICES}
    assert len(images) == 1 and len(builds) == 1, (images, builds)
    build = services["web"]["build"]
    assert (procs.ROOT / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE
    assert re.search(r"^FROM python:3\.11", DOCKERFILE.read_text(), re.MULTILINE)


def test_app_commands(compose):
    services = compose["services"]
    web = command(services["web"])
    assert web[:2] == ["gunicorn", "dtks.wsgi"]
    assert "--bind" in web
    assert command(services["worker"])[:4] == ["celery", "-A", "dtks", "worker"]
    assert command(services["beat"])[:4] == ["celery", "-A", "dtks", "beat"]
    migrate = " ".join(command(services["migrate"]))
    # Every step of the one-shot service runs as the owner and ends with the application role's
    # grants; the first one creates that role (docs/security.md #9).
    steps = [step.strip() for step in command(services["migrate"])[-1].split("&&")]
    assert steps[0] == "python manage.py as_owner --create-app-role", migrate
    assert all(step.startswith("python manage.py as_owner ") for step in steps), migrate
    for step in ("as_owner migrate --noinput", "as_owner createcachetable", "as_owner load_regions"):
        assert f"manage.py {step}" in migrate
    # The image's default command is the web command.
    cmd_line = re.search(r"^CMD (\[.*\])$", DOCKERFILE.read_text(), re.MULTILINE)
    assert cmd_line and json.loads(cmd_line.group(1)) == web


def test_app_environment_and_order(compose):
    services = compose["services"]
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "dtks.settings.production"
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert env["CELERY_BROKER_URL"].startswith("redis://redis:6379/")
        # Secrets and host names come from the operator's environment, never from the file.
        assert env["DJANGO_SECRET_KEY"].startswith("${DJANGO_SECRET_KEY:?")
        assert env["DJANGO_ALLOWED_HOSTS"].startswith("${DJANGO_ALLOWED_HOSTS")
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web", "worker", "beat"):
        deps = services[name]["depends_on"]
        assert deps["migrate"]["condition"] == "service_completed_successfully"
        assert deps["postgres"]["condition"] == deps["redis"]["condition"] == "service_healthy"
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD")


# A compose URL: the password is a `${VAR:?message}` interpolation, which urlsplit cannot read.
COMPOSE_URL = re.compile(
    r"postgres://(?P<username>[^:@]+):(?P<password>\$\{[^}]*\})@(?P<hostname>[^:/]+):5432(?P<path>/\w+)"
)


def compose_url(url: str) -> SimpleNamespace:
    match = COMPOSE_URL.fullmatch(url)
    assert match, url
    return SimpleNamespace(**match.groupdict())


def test_two_database_roles(compose):
    """The owner (POSTGRES_USER, a superuser in the postgres image) is known only to `migrate`; web,
    worker and beat connect as the application role, with a password of its own."""
    services = compose["services"]
    owner = services["postgres"]["environment"]["POSTGRES_USER"]
    database = services["postgres"]["environment"]["POSTGRES_DB"]
    migrate_env = services["migrate"]["environment"]
    owner_url = compose_url(migrate_env["DATABASE_OWNER_URL"])
    assert (owner_url.username, owner_url.hostname, owner_url.path) == (owner, "postgres", f"/{database}")
    assert owner_url.password.startswith("${POSTGRES_PASSWORD:?")
    for name in APP_SERVICES:
        app_url = compose_url(services[name]["environment"]["DATABASE_URL"])
        assert app_url.username == "dtks_app" != owner, name
        assert app_url.password.startswith("${DTKS_APP_DB_PASSWORD:?"), name
        assert app_url.path == f"/{database}", name
    for name in ("web", "worker", "beat"):
        assert "DATABASE_OWNER_URL" not in services[name]["environment"], f"{name} must not hold the owner's"


# --- (b) the same commands, started here -------------------------------------------------------


def local(cmd: list[str]) -> list[str]:
    return [procs.executable(cmd[0]), *cmd[1:]]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_compose_commands_start_and_work(compose, tmp_path):
    services = compose["services"]
    # As in docker-compose.yml: web, worker and beat connect as the application role.
    env = procs.child_env(as_app_role(connection.settings_dict))
    port = procs.free_port()
    web_cmd = local(command(services["web"]))
    web_cmd[web_cmd.index("--bind") + 1] = f"127.0.0.1:{port}"
    worker_cmd = local(command(services["worker"]))
    beat_cmd = local(command(services["beat"]))
    # Beat keeps its schedule file under DTKS_VAR_DIR: its own folder, away from a developer's beat.
    beat_env = {**env, "DTKS_VAR_DIR": str(tmp_path / "beat-var")}
    (tmp_path / "beat-var").mkdir()

    logs = {name: tmp_path / f"{name}.log" for name in ("web", "worker", "beat")}
    started = {
        "web": procs.start(web_cmd, env, logs["web"]),
        "worker": procs.start(worker_cmd, env, logs["worker"]),
        "beat": procs.start(beat_cmd, beat_env, logs["beat"]),
    }
    try:
        # gunicorn answers the health page from the test database.
        status, body = procs.wait_for_http(started["web"], logs["web"], f"http://127.0.0.1:{port}/sehat/")
        assert status == 200 and json.loads(body)["database"] == "ok"

        # The compose worker runs the heartbeat (another worker of this session may take some of
        # the messages, so send until this one's log shows a run).
        procs.wait_for_log(started["worker"], logs["worker"], "ready.", timeout=90)
        deadline = time.monotonic() + 90
        ids = []
        while True:
            ids.append(str(uuid.uuid4()))
            heartbeat.apply_async(task_id=ids[-1])
            time.sleep(1)
            text = logs["worker"].read_text(errors="replace")
            if any(f"{task_id}] succeeded" in text for task_id in ids):
                break
            assert started["worker"].poll() is None, procs.tail(logs["worker"])
            assert time.monotonic() < deadline, f"worker ran no heartbeat:\n{procs.tail(logs['worker'])}"
        assert WorkerHeartbeat.objects.exists()
        status, _ = procs.http_get(f"http://127.0.0.1:{port}/sehat/?worker=1")
        assert status == 200

        # Beat starts and stays up.
        procs.wait_for_log(started["beat"], logs["beat"], "beat: Starting...", timeout=60)
        time.sleep(3)
        assert started["beat"].poll() is None, procs.tail(logs["beat"])
        for name, proc in started.items():
            assert proc.poll() is None, f"{name} died:\n{procs.tail(logs[name])}"
    finally:
        for proc in started.values():
            procs.stop(proc)


@pytest.mark.django_db(transaction=True)
def test_compose_migrate_runs_as_the_owner_and_grants_the_application_role(compose, tmp_path):
    """The migrate service's command, run here: DATABASE_URL is the application role, DATABASE_OWNER_URL
    the owner (the test database's); the steps succeed and the role ends with its privileges."""
    env = {
        **procs.child_env(as_app_role(connection.settings_dict)),
        "DATABASE_OWNER_URL": procs.database_url(connection.settings_dict),
    }
    argv = command(compose["services"]["migrate"])
    assert argv[:2] == ["sh", "-c"]
    result = subprocess.run(
        argv, cwd=procs.ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"application role {APP_ROLE}: updated" in result.stdout
    assert result.stdout.count(f"application role {APP_ROLE}: privileges granted by") == 4
    from dtks.core.db_roles import app_role_problems

    with connection.cursor() as cursor:
        assert app_role_problems(cursor, role=APP_ROLE) == []


# --- (c) Django's deployment checks on the production settings ---------------------------------


def test_production_settings_pass_deploy_checks():
    env = {
        **procs.child_env(connection.settings_dict),
        "DJANGO_SETTINGS_MODULE": "dtks.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "dtks.example.go.id",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    }
    # Browser tests set this in the test process (Playwright's sync API); a deployment never does.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=procs.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_need_a_secret_key():
    env = {**procs.child_env(connection.settings_dict), "DJANGO_SETTINGS_MODULE": "dtks.settings.production"}
    env.pop("DJANGO_SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=procs.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
