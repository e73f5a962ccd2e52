"""Bahasa Indonesia is the source language; every visible text has an English translation.

Three nets, each of which fails when someone adds an untranslated `{% translate %}` string:

1. the English catalogue (`locale/en/LC_MESSAGES/django.po`) has no empty or fuzzy entry, and the
   committed `.mo` says the same as the `.po`;
2. every string our templates and Python code mark for translation is in that catalogue, translated
   (extracted the way `makemessages` does: `templatize` for templates, the call sites for Python);
3. every public page and every page of the signed-in roles is rendered in `id` and in `en`; a
   visible text of the English page that is an Indonesian msgid without translation, or that is
   the same in both languages and is not a data value (names, region names, codes, numbers), fails.
   The third net also catches Indonesian text that was never marked for translation at all.
"""

import ast
import gettext as gettext_module
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import Q
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation.template import templatize

from dtks.accounts.models import AssignedVillage, Role
from dtks.permissions import PUBLIC, ROUTES
from dtks.regions.models import Region
from dtks.registry.models import Code, FamilyVersion, PersonVersion
from tests.registry.test_pages import VILLAGE_A, VILLAGE_B, build_world, make_user, sign_in

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
TEMPLATE_DIRS = [ROOT / "templates"]
PYTHON_DIRS = [ROOT / d for d in ("dtks", "proposals", "verification", "determination", "usage_requests")]
# Terms English-speaking staff use as they are (docs/conventions.md rule 8: Indonesian terms users know stay).
SAME_IN_BOTH = {"DTKS", "NIK", "KK", "RT", "RW", "AGPL", "PPID", "KPM", "UU", "TOTP", "CSV", "Dukcapil"}


# ---- the catalogue ----


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file: {"ctx", "id", "plural", "str": {n: text}, "fuzzy"}, the header excluded."""
    entries: list[dict] = []
    cur: dict | None = None
    key: tuple = ()
    fuzzy = False
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#,"):
            fuzzy = "fuzzy" in line
            continue
        if not line or line.startswith("#"):
            continue
        if line.startswith('"'):
            text = ast.literal_eval(line)
            if key[0] == "str":
                cur["str"][key[1]] += text
            else:
                cur[key[0]] += text
            continue
        word, _, literal = line.partition(" ")
        text = ast.literal_eval(literal.strip())
        if word in ("msgctxt", "msgid") and (cur is None or cur["str"]):  # a new entry starts
            if cur is not None:
                entries.append(cur)
            cur = {"ctx": None, "id": "", "plural": None, "str": {}, "fuzzy": fuzzy}
            fuzzy = False
        if word == "msgctxt":
            cur["ctx"], key = text, ("ctx",)
        elif word == "msgid":
            cur["id"], key = text, ("id",)
        elif word == "msgid_plural":
            cur["plural"], key = text, ("plural",)
        else:  # msgstr or msgstr[n]
            n = int(word[7:-1]) if "[" in word else 0
            cur["str"][n], key = text, ("str", n)
    if cur is not None:
        entries.append(cur)
    return [e for e in entries if e["id"] != ""]


def catalogue() -> dict[tuple[str | None, str], dict]:
    return {(e["ctx"], e["id"]): e for e in parse_po(PO)}


def translated(entry: dict | None) -> bool:
    return bool(entry) and not entry["fuzzy"] and bool(entry["str"]) and all(entry["str"].values())


def test_catalogue_is_complete_and_compiled():
    entries = parse_po(PO)
    assert len(entries) > 100
    assert [e["id"] for e in entries if e["fuzzy"]] == [], "fuzzy entries: review them and drop the flag"
    assert [e["id"] for e in entries if not translated(e)] == [], "untranslated entries in django.po"
    # The committed .mo is the compiled .po (compilemessages was run after the last edit).
    with MO.open("rb") as fh:
        mo = gettext_module.GNUTranslations(fh)
    stale = []
    for e in entries:
        key = e["id"] if e["ctx"] is None else f"{e['ctx']}\x04{e['id']}"
        if e["plural"] is None:
            if mo.gettext(key) != e["str"][0]:
                stale.append(e["id"])
        elif mo.ngettext(key, e["plural"], 1) != e["str"][0]:
            stale.append(e["id"])
    assert stale == [], "django.mo is older than django.po: run compilemessages"


# ---- what the sources mark for translation ----

_CALL = re.compile(r"\b(n?p?gettext)\(((?:\s*u'(?:[^'\\]|\\.)*'\s*,?)+)")
_LITERAL = re.compile(r"u('(?:[^'\\]|\\.)*')")
PY_FUNCS = {
    "_": 0,
    "gettext": 0,
    "gettext_lazy": 0,
    "gettext_noop": 0,
    "ngettext": 0,
    "ngettext_lazy": 0,
    "pgettext": 1,
    "pgettext_lazy": 1,
    "npgettext": 1,
    "npgettext_lazy": 1,
}


def template_msgids(source: str) -> set[tuple[str | None, str]]:
    found = set()
    for func, args in _CALL.findall(templatize(source)):
        strings = [ast.literal_eval(s) for s in _LITERAL.findall(args)]
        if "p" in func:
            found.add((strings[0], strings[1]))
        else:
            found.add((None, strings[0]))
    return found


def python_msgids(source: str) -> set[tuple[str | None, str]]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        if name not in PY_FUNCS:
            continue
        args = node.args
        pos = PY_FUNCS[name]
        if len(args) > pos and isinstance(args[pos], ast.Constant) and isinstance(args[pos].value, str):
            ctx = args[0].value if pos and isinstance(args[0], ast.Constant) else None
            found.add((ctx, args[pos].value))
    return found


def source_msgids() -> dict[tuple[str | None, str], str]:
    """Every marked string -> the first file that marks it."""
    found: dict[tuple[str | None, str], str] = {}
    for base in TEMPLATE_DIRS:
        for path in sorted(base.rglob("*.html")) + sorted(base.rglob("*.txt")):
            for key in template_msgids(path.read_text(encoding="utf-8")):
                found.setdefault(key, str(path.relative_to(ROOT)))
    for base in PYTHON_DIRS:
        for path in sorted(base.rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for key in python_msgids(path.read_text(encoding="utf-8")):
                found.setdefault(key, str(path.relative_to(ROOT)))
    return found


def test_every_marked_string_is_translated():
    cat = catalogue()
    missing = sorted(
        f"{where}: {msgid!r}"
        for (ctx, msgid), where in source_msgids().items()
        if msgid.strip() and not translated(cat.get((ctx, msgid)))
    )
    assert missing == [], "run makemessages -l en, translate, then compilemessages"


def test_source_scan_catches_a_new_untranslated_string():
    """The net of test_every_marked_string_is_translated really catches a new string."""
    new = '{% load i18n %}<p>{% translate "Kalimat baru yang belum diterjemahkan" %}</p>'
    block = "{% load i18n %}{% blocktranslate trimmed with n=3 %}\n  Ada {{ n }} usulan baru\n{% endblocktranslate %}"
    assert template_msgids(new) == {(None, "Kalimat baru yang belum diterjemahkan")}
    assert template_msgids(block) == {(None, "Ada %(n)s usulan baru")}
    assert python_msgids('from x import gettext_lazy as _\nA = _("Teks baru")') == {(None, "Teks baru")}
    cat = catalogue()
    assert not translated(cat.get((None, "Kalimat baru yang belum diterjemahkan")))
    assert translated(cat.get((None, "Beranda")))


# ---- rendered pages ----

ATTRIBUTES = ("aria-label", "placeholder", "title", "alt", "data-label")
SKIP = {"script", "style"}


class VisibleText(HTMLParser):
    """Text nodes and visible attribute texts, whitespace-normalised."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIP:
            self.skipping += 1
        for name, value in attrs:
            if value and (name in ATTRIBUTES or (tag == "optgroup" and name == "label")):
                self.add(value)

    def handle_endtag(self, tag):
        if tag in SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.add(data)

    def add(self, text):
        text = " ".join(text.split())
        if text:
            self.texts.append(text)


def visible_texts(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.texts


_WORD = re.compile(r"[^\W\d_]+")


def data_words() -> set[str]:
    """Words of the data values the pages of this test show: regions, people, addresses, code labels."""
    values: set[str] = set(SAME_IN_BOTH)
    regions = Region.objects.filter(
        Q(level__lte=2) | Q(code__startswith="3371") | Q(code__startswith="3308") | Q(code__startswith="3404")
    )
    for name, kind in regions.values_list("name", "kind"):
        values.update((name, kind))
    values.update(Code.objects.values_list("label", flat=True))
    for nama, tempat, alamat in PersonVersion.objects.values_list("nama", "tempat_lahir", "alamat"):
        values.update((nama, tempat, alamat))
    values.update(FamilyVersion.objects.values_list("alamat", flat=True))
    for code, _name in settings.LANGUAGES:
        values.add(translation.get_language_info(code)["name_local"])
    return {w for v in values if v for w in _WORD.findall(v)}


# A secret key or activation code shown in groups of four ("TNET VW5G O5EN ..."): data, not language.
_KEY = re.compile(r"^[A-Z0-9]{4}(?:[ -][A-Z0-9]{4}){2,}$")


def is_data(text: str, words: set[str]) -> bool:
    return bool(_KEY.match(text)) or all(w in words for w in _WORD.findall(text))


def untranslated(html_id: str, html_en: str, *, words: set[str], cat) -> list[str]:
    """Visible texts of the English page that are still Indonesian."""
    indonesian = set(visible_texts(html_id))
    empty = {msgid for (_ctx, msgid), e in cat.items() if not translated(e)}
    # Words English uses as they are ("Administrator", "Prelist"): translated, to the same text.
    same = {msgid for (_ctx, msgid), e in cat.items() if translated(e) and e["str"][0] == msgid}
    problems = []
    for text in visible_texts(html_en):
        if text in empty or (text in indonesian and text not in same and not is_data(text, words)):
            problems.append(text)
    return sorted(set(problems))


def render_both(client, method: str, url: str, data=None) -> tuple[str, str]:
    pages = []
    for lang in ("id", "en"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
        response = getattr(client, method)(url, data or {})
        assert response.status_code == 200, (lang, url, response.status_code)
        assert f'<html lang="{lang}"' in response.content.decode()
        pages.append(response.content.decode())
    return pages[0], pages[1]


def public_pages() -> list[str]:
    """Every public route that answers GET without arguments with an HTML page, plus a picker result."""
    urls = []
    for name, rule in ROUTES.items():
        if rule != PUBLIC or name.startswith("admin:") or name.endswith("*"):
            continue  # Django's own admin is translated by Django
        try:
            urls.append(reverse(name))
        except NoReverseMatch:
            continue
    return [*urls, reverse("regions:picker") + f"?wilayah={VILLAGE_A}"]


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def words(world):
    return data_words()


@pytest.mark.django_db
def test_public_pages_are_translated(client, words):
    cat = catalogue()
    checked = 0
    for url in public_pages():
        client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        html_id, html_en = render_both(client, "get", url)
        assert untranslated(html_id, html_en, words=words, cat=cat) == [], url
        assert html_id != html_en, url
        checked += 1
    assert checked >= 3  # home, the region picker, its result (and the login pages once they exist)


SIGNED_IN_ROLES = [
    (Role.VILLAGE_OPERATOR, VILLAGE_A),
    (Role.FIELD_OFFICER, ""),
    (Role.REGENCY_VERIFIER, "3371"),
    (Role.REGENCY_SUPERVISOR, "3371"),
    (Role.PROVINCE_OFFICER, "33"),
    (Role.MINISTRY_DATA_OFFICER, ""),
    (Role.MINISTER_DELEGATE, ""),
    (Role.DATA_OFFICIAL, ""),
    (Role.PPID_OFFICER, ""),
    (Role.PROGRAMME_OFFICER, ""),
    (Role.QA_ASSESSOR, ""),
    (Role.DATA_REQUESTER, ""),
    (Role.ADMIN, ""),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "region"), SIGNED_IN_ROLES)
def test_dashboards_are_translated(client, world, words, role, region):
    user = make_user(role, region)
    if role == Role.FIELD_OFFICER:
        AssignedVillage.objects.create(user=user, village_code=VILLAGE_B)
    sign_in(client, user)
    html_id, html_en = render_both(client, "get", reverse("dashboard"))
    assert untranslated(html_id, html_en, words=words, cat=catalogue()) == []


@pytest.mark.django_db
def test_registry_pages_are_translated(client, world, words):
    sign_in(client, make_user(Role.PROVINCE_OFFICER, "33"))
    h = world[VILLAGE_A]
    cat = catalogue()
    pages = [
        ("get", reverse("registry:families"), None),
        ("get", reverse("registry:families"), {"wilayah": "3371", "q": "budi"}),
        ("get", reverse("registry:families"), {"wilayah": "34", "q": "1234"}),  # both refused, with messages
        ("get", reverse("registry:families"), {"q": "tidak ada"}),  # empty result
        ("post", reverse("registry:families"), {"nomor": h.no_kk}),
        ("post", reverse("registry:families"), {"nomor": "0000000000000000"}),  # nothing found
        ("get", reverse("registry:persons"), {"wilayah": VILLAGE_A}),
        ("post", reverse("registry:persons"), {"nomor": h.head_nik}),
        ("post", reverse("registry:persons"), {"nomor": "12"}),  # invalid number
        ("get", reverse("registry:family", args=[h.family_id]), None),
        ("get", reverse("registry:person", args=[h.head_id]), None),
        ("get", reverse("registry:person", args=[h.single_id]), None),  # outside any family, with a finding
    ]
    for method, url, data in pages:
        html_id, html_en = render_both(client, method, url, data)
        assert untranslated(html_id, html_en, words=words, cat=cat) == [], (method, url, data)


@pytest.mark.django_db
def test_page_check_catches_unmarked_and_untranslated_text(rf: RequestFactory, words):
    """The net of the page tests really catches both kinds of mistake."""
    source = (
        '{% extends "base.html" %}{% load i18n %}{% block content %}'
        '<p>{% translate "Kalimat baru yang belum diterjemahkan" %}</p><p>Teks tanpa tanda terjemahan</p>'
        "<p>{% translate 'Dasbor' %}</p>{% endblock %}"
    )
    pages = []
    for lang in ("id", "en"):
        request = rf.get("/")
        request.user = make_user("")
        with translation.override(lang):
            pages.append(Template(source).render(Context({"request": request, "user": request.user})))
    assert untranslated(*pages, words=words, cat=catalogue()) == [
        "Kalimat baru yang belum diterjemahkan",
        "Teks tanpa tanda terjemahan",
    ]


@pytest.mark.django_db
def test_totp_pages_are_translated(client, words):
    """The enrolment and verification pages a signed-in TOTP role sees before anything else."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = make_user(Role.REGENCY_VERIFIER, "3371")
    client.force_login(user)
    cat = catalogue()
    words = words | set(_WORD.findall(user.get_username()))
    html_id, html_en = render_both(client, "get", reverse("accounts:otp_setup"))
    assert untranslated(html_id, html_en, words=words, cat=cat) == []
    TOTPDevice.objects.filter(user=user).update(confirmed=True)
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    html_id, html_en = render_both(client, "get", reverse("accounts:otp_verify"))
    assert untranslated(html_id, html_en, words=words, cat=cat) == []
