"""The OpenAPI schema: every operation is in the permission table; the docs load nothing from
outside (docs/security.md #3, PP 71/2019)."""

import re

import pytest
from django.urls import resolve
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from dtks.accounts.models import Role
from dtks.permissions import ROUTES

from .conftest import session_client

pytestmark = pytest.mark.django_db


def operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in schema["paths"].items():
        for method in item:
            yield path, method, schema


def test_schema_is_valid_openapi_without_generator_warnings():
    GENERATOR_STATS.reset()
    validate_schema(SchemaGenerator().get_schema(request=None, public=True))
    assert not GENERATOR_STATS, "drf-spectacular warned: see the captured output"


def test_every_operation_is_in_the_permission_table():
    ops = list(operations())
    assert len(ops) >= 8
    missing = []
    for path, method, _ in ops:
        url = re.sub(r"\{[^}]+\}", "1", path)
        view_name = resolve(url).view_name
        if view_name not in ROUTES:
            missing.append(f"{method.upper()} {path} ({view_name})")
    assert missing == []


def test_every_api_route_is_in_the_schema_or_is_the_schema_itself():
    documented = {resolve(re.sub(r"\{[^}]+\}", "1", path)).view_name for path, _, _ in operations()}
    api_routes = {name for name in ROUTES if name.startswith("api:")}
    assert api_routes - documented == {"api:schema", "api:docs"}


def test_protected_operations_declare_token_and_session_auth():
    for path, method, schema in operations():
        security = schema["paths"][path][method].get("security", [])
        if path == "/api/v1/wilayah/":
            assert security == [{}]
        else:
            assert {"tokenAuth": []} in security and {"cookieAuth": []} in security, (method, path)


def test_docs_page_loads_only_our_own_assets(registry, make_user):
    client = session_client(make_user(Role.MINISTRY_DATA_OFFICER))
    page = client.get("/api/v1/docs/").content.decode()
    script = client.get("/api/v1/docs/", {"script": ""}).content.decode()
    for text in (page, script):
        assert not re.search(r"(src|href)=\"(https?:)?//", text)
        assert "cdn" not in text.lower() and "validator.swagger.io" not in text
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "<script>" not in page  # the init script is a separate file (CSP without inline scripts)
    assert '"validatorUrl": null' in script
