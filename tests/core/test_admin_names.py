"""Django's admin names every app and model in Bahasa Indonesia: ours by their verbose names, the
third-party apps (django-axes, django-otp's TOTP) through the AppConfig subclasses in dtks/core/apps.py."""

import re

import pytest
from django.utils.text import camel_case_to_spaces

from dtks.accounts.models import Role, User

pytestmark = pytest.mark.django_db

# What Django, django-axes and django-otp call them in English (app labels as Django titles them).
ENGLISH = re.compile(
    r"\b(Axes|Otp_Totp|OTP_TOTP|TOTP devices?|Access (attempts?|failures?|logs?)|Users|Groups|"
    r"Authentication and Authorization|Activation codes?|Organisations?|Integrity rules?|Codes|"
    r"Import export)\b"
)


def admin_index(client, otp_login, **kw):
    user = User.objects.create_user(
        "admin.nama", password="rahasia-panjang-1", role=Role.ADMIN, is_staff=True, **kw
    )
    otp_login(client, user)
    response = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response


def visible_text(html: str) -> str:
    main = html.split('id="content-main"', 1)[1].split('id="content-related"', 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


@pytest.mark.parametrize("superuser", [False, True], ids=["admin-role", "superuser"])
def test_the_admin_index_names_nothing_in_english(client, otp_login, superuser):
    response = admin_index(client, otp_login, is_superuser=superuser)
    apps = response.context["app_list"]
    assert {app["app_label"] for app in apps} >= {"accounts", "axes", "otp_totp", "registry"}
    for app in apps:
        assert app["name"] not in (app["app_label"], app["app_label"].title()), app["app_label"]
        for model in app["models"]:
            default = camel_case_to_spaces(model["object_name"])
            assert str(model["name"]).lower() not in (default, f"{default}s"), model["object_name"]
    text = visible_text(response.content.decode())
    assert ENGLISH.findall(text) == [], text
    for name in ("Penguncian masuk", "Verifikasi dua langkah (TOTP)", "Perangkat TOTP", "Daftar kode"):
        assert name in text


def test_the_totp_device_list_is_named_in_indonesian(client, otp_login):
    admin_index(client, otp_login)
    response = client.get("/admin/otp_totp/totpdevice/")
    assert response.status_code == 200
    title = re.search(r"<title>(.*?)</title>", response.content.decode()).group(1)
    assert "perangkat TOTP" in title and "device" not in title


def test_the_configuration_columns_are_indonesian(client, otp_login):
    admin_index(client, otp_login)
    html = client.get("/admin/registry/code/").content.decode()
    headers = {
        column: re.sub(r"<[^>]+>", "", text).strip()
        for column, text in re.findall(
            r'<th scope="col" class="[^"]*\bcolumn-(\w+)[^"]*">.*?<div class="text">(.*?)</div>', html, re.S
        )
    }
    assert headers == {
        "list": "Daftar",
        "code": "Kode",
        "label": "Label",
        "sort": "Urutan",
        "active": "Aktif",
    }
