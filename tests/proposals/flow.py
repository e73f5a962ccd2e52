"""Shared set-up of the proposal page and API tests: the role × region harness's world (a family and
an individual in each of eight villages, a user of every role), signed-in clients, a media folder
of the test's own, and small files to upload as minutes."""

import uuid
from datetime import date
from html.parser import HTMLParser

import pytest
from django.test import Client

from dtks.accounts.auth import otp_required_for
from dtks.accounts.models import Role
from proposals.models import Musyawarah
from proposals.musyawarah import services as musyawarah_services
from tests.conftest import otp_force_login
from tests.harness.world import HOME_VILLAGE, build_world

SIBLING = "3371011007"
OTHER_REGENCY = "3308012001"
OTHER_PROVINCE = "3404012001"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    return tmp_path


@pytest.fixture
def world(db, media):
    return build_world()


def user(world, role: str, region: str = ""):
    return world.users[(role, region)]


def operator(world, village: str = HOME_VILLAGE):
    return user(world, Role.VILLAGE_OPERATOR, village)


def verifier(world, regency: str = "3371"):
    return user(world, Role.REGENCY_VERIFIER, regency)


def client_for(u) -> Client:
    c = Client()
    if otp_required_for(u):
        otp_force_login(c, u)
    else:
        c.force_login(u)
    return c


def musyawarah(u, **kw) -> Musyawarah:
    data = {
        "held_on": date(2026, 11, 2),
        "place": "Balai kelurahan",
        "led_by": "Lurah",
        "attendee_count": 20,
        "attendee_names": "Pak RT 1\nBu RW 2",
        "input_sources": ["RT_RW", "PSKS"],
    }
    data.update(kw)
    return musyawarah_services.musyawarah_create(actor=u, **data)


def held_musyawarah(u) -> Musyawarah:
    from django.core.files.uploadedfile import SimpleUploadedFile

    m = musyawarah(u)
    musyawarah_services.musyawarah_minutes_attach(
        musyawarah_id=m.pk, actor=u, upload=SimpleUploadedFile("notulen.pdf", PDF, "application/pdf")
    )
    return musyawarah_services.musyawarah_hold(musyawarah_id=m.pk, actor=u)


def nik(district: str, born: date, sex: str, serial: int) -> str:
    day = born.day + (40 if sex == "P" else 0)
    return f"{district}{day:02d}{born:%m%y}{serial:04d}"


def new_family(village: str = HOME_VILLAGE, serial: int = 9001) -> tuple[dict, list[dict]]:
    district = village[:6]
    family = {
        "is_family": True,
        "no_kk": f"{district}020324{serial:04d}",
        "rt": "3",
        "rw": "4",
        "alamat": "Jl. Baru 1",
        "house": {"atap": "SENG", "lantai": "TANAH"},
    }
    persons = [
        {
            "nik": nik(district, date(1985, 3, 1), "L", serial),
            "nama": "Joko Baru",
            "tempat_lahir": "MAGELANG",
            "tanggal_lahir": date(1985, 3, 1),
            "jenis_kelamin": "L",
            "status_perkawinan": "KAWIN",
            "hubungan_keluarga": "KEPALA KELUARGA",
        },
        {
            "nik": nik(district, date(1987, 4, 2), "P", serial),
            "nama": "Rini Baru",
            "tempat_lahir": "MAGELANG",
            "tanggal_lahir": date(1987, 4, 2),
            "jenis_kelamin": "P",
            "status_perkawinan": "KAWIN",
            "hubungan_keluarga": "ISTRI",
        },
    ]
    return family, persons


class _FormReader(HTMLParser):
    """The fields of one form of a page as a browser would send them (no button pressed): inputs
    (hidden, text, date, checked boxes and radios), selects (the selected option, else the first)
    and textareas."""

    def __init__(self, form_class: str):
        super().__init__(convert_charrefs=True)
        self.form_class, self.inside, self.data = form_class, False, {}
        self._select = self._textarea = None
        self._first_option = None

    def _add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and self.form_class in (a.get("class") or "").split():
            self.inside = True
        if not self.inside or (not a.get("name") and tag not in ("option",)):
            return
        if tag == "input" and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self._add(a["name"], a.get("value", ""))
        elif tag == "select":
            self._select, self._first_option, self._chosen = a["name"], None, False
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a:
                self._add(self._select, a.get("value", ""))
                self._chosen = True
        elif tag == "textarea":
            self._textarea = a["name"]
            self._add(self._textarea, "")

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select" and self._select:
            if not self._chosen:
                self._add(self._select, self._first_option or "")
            self._select = None
        elif tag == "textarea" and self._textarea:
            value = self.data[self._textarea][-1]
            self.data[self._textarea][-1] = value[1:] if value.startswith("\n") else value
            self._textarea = None


def new_key() -> str:
    """A page form's key (`kunci`), as a freshly rendered creating form carries it."""
    return uuid.uuid4().hex


def form_data(response, form_class: str = "item-form", **changes) -> dict:
    """What the page's form would post, with `changes` (a value, or a list for several) applied;
    single values unwrapped, as Django's test client takes them."""
    reader = _FormReader(form_class)
    reader.feed(response.content.decode())
    data = {k: v[0] if len(v) == 1 else v for k, v in reader.data.items()}
    data.update(changes)
    return data
