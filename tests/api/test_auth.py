"""Authentication and the permission table on the API: anonymous 401, wrong role 403, tokens issued
only from a TOTP-verified session, expiring and revocable."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from dtks.accounts.models import Role
from dtks.api.models import ApiToken, hash_key
from dtks.api.services import TOKEN_LIFETIME
from dtks.audit.models import AuditEvent

from .conftest import session_client, token_client

pytestmark = pytest.mark.django_db

PROTECTED = [
    ("get", "/api/v1/orang/"),
    ("get", "/api/v1/orang/1/"),
    ("get", "/api/v1/keluarga/"),
    ("get", "/api/v1/keluarga/10/"),
    ("post", "/api/v1/orang/cari/"),
    ("post", "/api/v1/token/"),
    ("delete", "/api/v1/token/"),
    ("get", "/api/v1/schema/"),
    ("get", "/api/v1/docs/"),
]


def assert_error_shape(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"detail", "errors"} and body["detail"]
    return body


@pytest.mark.parametrize(("method", "url"), PROTECTED)
def test_anonymous_gets_401_in_the_one_shape(registry, method, url):
    response = getattr(APIClient(), method)(url)
    assert_error_shape(response, 401)
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(("method", "url"), PROTECTED)
@pytest.mark.parametrize("header", ["Token tidak-ada", "Token", "Token a b", "Bearer abc", "Basic eDp5"])
def test_bad_credentials_get_401(registry, method, url, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    # A bad token is refused; another scheme leaves the request anonymous: 401 either way.
    response = getattr(client, method)(url)
    assert_error_shape(response, 401)
    assert response["WWW-Authenticate"] == "Token"


def test_public_region_list_needs_no_login(db):
    response = APIClient().get("/api/v1/wilayah/", {"induk": "33"})
    assert response.status_code == 200
    assert {"code": "3371", "name": "Kota Magelang"}.items() <= {
        k: v for r in response.json() for k, v in r.items() if r["code"] == "3371"
    }.items()
    provinces = APIClient().get("/api/v1/wilayah/").json()
    assert len(provinces) == 38 and all(r["induk"] is None for r in provinces)


@pytest.mark.parametrize("induk", ["3", "abcd", "3371011003", "x" * 40])
def test_region_list_bad_parent_is_400(db, induk):
    response = APIClient().get("/api/v1/wilayah/", {"induk": induk})
    assert_error_shape(response, 400)
    assert list(response.json()["errors"]) == ["induk"]


@pytest.mark.parametrize("via", ["token", "session"])
def test_wrong_role_gets_403(registry, make_user, via):
    user = make_user(Role.QA_ASSESSOR)
    client = token_client(user) if via == "token" else session_client(user)
    assert_error_shape(client.get("/api/v1/orang/"), 403)
    assert_error_shape(client.get("/api/v1/schema/"), 403)


@pytest.mark.parametrize("role", [Role.MINISTRY_DATA_OFFICER, Role.ADMIN])
def test_schema_and_docs_for_staff(registry, make_user, role):
    client = token_client(make_user(role))
    schema = client.get("/api/v1/schema/", {"format": "json"})
    assert schema.status_code == 200 and "/api/v1/orang/" in schema.json()["paths"]
    docs = session_client(make_user(role)).get("/api/v1/docs/")
    assert docs.status_code == 200


def test_expired_token_is_401(registry, make_user):
    user = make_user(Role.VILLAGE_OPERATOR)
    client = token_client(user)
    assert client.get("/api/v1/orang/").status_code == 200
    ApiToken.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(seconds=1))
    body = assert_error_shape(client.get("/api/v1/orang/"), 401)
    assert "kedaluwarsa" in body["detail"]


def test_revoked_token_is_401(registry, make_user):
    user = make_user(Role.VILLAGE_OPERATOR)
    client = token_client(user)
    assert client.delete("/api/v1/token/").status_code == 204
    body = assert_error_shape(client.get("/api/v1/orang/"), 401)
    assert "dicabut" in body["detail"]
    assert AuditEvent.objects.filter(action="api.token_revoke", actor=user).count() == 1


def test_token_of_a_deactivated_user_is_401(registry, make_user):
    user = make_user(Role.VILLAGE_OPERATOR)
    client = token_client(user)
    user.is_active = False
    user.save()
    assert_error_shape(client.get("/api/v1/orang/"), 401)


def test_token_follows_the_current_role(registry, make_user):
    user = make_user(Role.VILLAGE_OPERATOR)
    client = token_client(user)
    user.role = Role.DATA_REQUESTER
    user.save()
    assert_error_shape(client.get("/api/v1/orang/"), 403)


def test_token_issued_only_from_a_totp_verified_session(registry, make_user):
    user = make_user(Role.REGENCY_VERIFIER)
    unverified = session_client(user, verified=False)
    assert_error_shape(unverified.post("/api/v1/token/"), 403)
    assert not ApiToken.objects.filter(user=user).exists()

    verified = session_client(user)
    response = verified.post("/api/v1/token/")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"token", "expires_at"}
    token = ApiToken.objects.get(user=user)
    assert token.key_hash == hash_key(body["token"]) and body["token"] not in token.key_hash
    assert abs(token.expires_at - (token.created_at + TOKEN_LIFETIME)) < timedelta(seconds=1)
    assert AuditEvent.objects.filter(action="api.token_issue", actor=user).count() == 1

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert client.get("/api/v1/orang/").status_code == 200


def test_village_operator_without_totp_gets_no_token(registry, make_user):
    # TOTP is optional for village operators' pages, but tokens always need a verified session.
    user = make_user(Role.VILLAGE_OPERATOR)
    assert_error_shape(session_client(user, verified=False).post("/api/v1/token/"), 403)
    assert session_client(user).post("/api/v1/token/").status_code == 201


def test_a_token_cannot_mint_tokens(registry, make_user):
    user = make_user(Role.MINISTRY_DATA_OFFICER)
    client = token_client(user)
    assert_error_shape(client.post("/api/v1/token/"), 403)
    assert ApiToken.objects.filter(user=user).count() == 1


def test_session_token_request_needs_csrf(registry, make_user):
    user = make_user(Role.MINISTRY_DATA_OFFICER)
    client = session_client(user, enforce_csrf_checks=True)
    assert_error_shape(client.post("/api/v1/token/"), 403)


def test_session_delete_revokes_every_active_token(registry, make_user):
    user = make_user(Role.MINISTRY_DATA_OFFICER)
    first, second = token_client(user), token_client(user)
    assert session_client(user).delete("/api/v1/token/").status_code == 204
    assert first.get("/api/v1/orang/").status_code == 401
    assert second.get("/api/v1/orang/").status_code == 401


def test_token_revoke_touches_only_that_token(registry, make_user):
    user = make_user(Role.MINISTRY_DATA_OFFICER)
    first, second = token_client(user), token_client(user)
    assert first.delete("/api/v1/token/").status_code == 204
    assert first.get("/api/v1/orang/").status_code == 401
    assert second.get("/api/v1/orang/").status_code == 200


def test_middleware_leaves_tokens_only_to_views_that_apply_the_table():
    from django.http import HttpResponse

    from dtks.api import apis
    from dtks.core.middleware import enforces_table_after_auth

    assert enforces_table_after_auth(apis.PersonListApi.as_view())
    assert enforces_table_after_auth(apis.TokenApi.as_view())
    # A plain Django view (or a DRF view with other permissions) under /api/ is not trusted with
    # a token header: the middleware answers 401 for it as for any anonymous request.
    assert not enforces_table_after_auth(lambda request: HttpResponse())

    class Open(apis.APIView):
        permission_classes = []

    assert not enforces_table_after_auth(Open.as_view())
