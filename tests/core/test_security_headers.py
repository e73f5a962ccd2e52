import pytest

pytestmark = pytest.mark.django_db


def test_every_page_has_a_csp_without_third_party_origins(client):
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "http" not in csp and "*" not in csp and "unsafe" not in csp


def test_signed_in_responses_are_not_stored(client, django_user_model):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    user = django_user_model.objects.create_user(
        "operator.uji", role="village_operator", region_code="3371011003"
    )
    client.force_login(user)
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert client.get("/dasbor/").headers["Cache-Control"] == "no-store"
