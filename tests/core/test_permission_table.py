"""Every route is in the permission table, every entry matches a route, and the table is enforced."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from dtks.permissions import ROUTES, rule_for


def view_names(patterns=None, namespace=""):
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from view_names(p.url_patterns, ns)
        elif isinstance(p, URLPattern):
            yield f"{namespace}{p.name}" if p.name else f"{namespace}<unnamed {p.pattern}>"


def test_every_route_is_listed():
    names = set(view_names())
    assert names, "the resolver yields routes"
    missing = sorted(n for n in names if rule_for(n) is None)
    assert missing == []


def test_every_entry_matches_a_route():
    names = set(view_names())
    stale = [
        k
        for k in ROUTES
        if not (k in names or (k.endswith("*") and any(n.startswith(k[:-1]) for n in names)))
    ]
    assert stale == []


@pytest.mark.django_db
def test_public_routes_answer_anonymous(client):
    assert client.get("/").status_code == 200
    assert client.get("/sehat/").status_code == 200


@pytest.mark.django_db
def test_admin_needs_the_admin_role(client, django_user_model, otp_login):
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/akun/masuk/")
    staff = django_user_model.objects.create_user(
        "pusdatin", password="x" * 12, is_staff=True, role="ministry_data_officer"
    )
    client.force_login(staff)
    assert client.get("/admin/").status_code == 403
    admin = django_user_model.objects.create_user("admin1", password="x" * 12, is_staff=True, role="admin")
    client.force_login(admin)
    assert client.get("/admin/")["Location"].startswith("/akun/totp/")  # TOTP first (tests/accounts)
    otp_login(client, admin)
    assert client.get("/admin/").status_code == 200
