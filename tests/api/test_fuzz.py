"""docs/security.md #4: schemathesis over the OpenAPI schema, in-process through the real WSGI stack
(every middleware, CSRF, DRF): 0 server errors, 0 requests accepted without authentication.

Cases are derandomized (the same examples every run, so CI cannot flake) and cover both schema-
conforming and schema-violating input.
"""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode

from dtks.accounts.models import Role
from dtks.api.services import api_token_issue
from dtks.permissions import PUBLIC, ROUTES

pytestmark = pytest.mark.django_db

EXAMPLES = 40
PUBLIC_PATHS = {"/api/v1/wilayah/", "/api/v1/pendaftaran-mandiri/"}
# The public operations: the region list and the citizen's self-registration.
assert ROUTES["api:region-list"] == ROUTES["api:self-registration"] == PUBLIC


@pytest.fixture
def wsgi_app():
    # The WSGI handler closes the connection after each request; in a test that would end the test
    # transaction, so (as Django's own test client does) the closing is switched off meanwhile.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def api_schema():
    raw = SchemaGenerator().get_schema(request=None, public=True)
    return schemathesis.openapi.from_dict(raw)


def operations(api_schema):
    result = [op.ok() for op in api_schema.get_all_operations()]
    assert len(result) >= 8
    return result


def fuzz(operation, mode, check) -> bool:
    """Run the check over generated cases; False when the operation has nothing to violate (an
    operation without parameters or body has no negative cases)."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        check(case)

    try:
        run()
    except Unsatisfiable:
        if mode == GenerationMode.NEGATIVE:
            return False
        raise
    return True


def fuzz_all(api_schema, mode, check) -> None:
    ran = [operation.label for operation in operations(api_schema) if fuzz(operation, mode, check)]
    # Every operation with input is fuzzed in both modes (lists, details, search, regions).
    assert len(ran) >= 6, ran


def describe(case, response) -> str:
    return f"{case.method} {case.formatted_path} query={case.query!r} body={case.body!r} -> {response.status_code}"


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_server_errors_for_a_signed_in_officer(registry, make_user, wsgi_app, api_schema, mode):
    user = make_user(Role.MINISTRY_DATA_OFFICER)

    def check(case):
        # A fresh token each time: the DELETE /token/ cases revoke the token they are sent with.
        _, key = api_token_issue(actor=user)
        response = case.call(app=wsgi_app, headers={"Authorization": f"Token {key}"})
        assert response.status_code < 500, describe(case, response)

    fuzz_all(api_schema, mode, check)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_nothing_is_accepted_without_authentication(registry, wsgi_app, api_schema, mode):
    def check(case):
        response = case.call(app=wsgi_app)
        assert response.status_code < 500, describe(case, response)
        if case.path in PUBLIC_PATHS:
            return
        assert response.status_code >= 400, describe(case, response)
        if mode == GenerationMode.POSITIVE:
            assert response.status_code == 401, describe(case, response)

    fuzz_all(api_schema, mode, check)
