"""The cascading region picker: selectors, the children endpoint, RegionField and the picker page."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from dtks.regions import selectors
from dtks.regions.forms import RegionField, RegionPickerForm
from dtks.regions.models import Level

pytestmark = pytest.mark.django_db

CHILDREN = reverse("regions:children")
PICKER = reverse("regions:picker")

KOTA_MAGELANG_KECAMATAN = {
    "337101": "Magelang Selatan",
    "337102": "Magelang Utara",
    "337103": "Magelang Tengah",
}
FORMAT_ERROR = "Kode kelurahan/desa tidak sah: tulis 10 angka, misalnya 3371011001 atau 33.71.01.1001."
MAGELANG_TENGAH_KELURAHAN = {
    "3371031001": "Kemirirejo",
    "3371031002": "Cacaban",
    "3371031003": "Rejowinangun Utara",
    "3371031004": "Magelang",
    "3371031005": "Panjang",
    "3371031006": "Gelangan",
}


class _Selects(HTMLParser):
    """Collects every <select> by id: its name, attributes, options and which option is selected."""

    def __init__(self):
        super().__init__()
        self.selects: dict[str, dict] = {}
        self.order: list[str] = []
        self._current: dict | None = None
        self._option: list | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select":
            self._current = {"attrs": attrs, "options": [], "selected": None}
            self.selects[attrs.get("id", f"#{len(self.order)}")] = self._current
            self.order.append(attrs.get("id"))
        elif tag == "option":
            self._option = [attrs.get("value", ""), ""]
            if self._current is not None:
                self._current["options"].append(self._option)
                if "selected" in attrs:
                    self._current["selected"] = attrs.get("value", "")

    def handle_data(self, data):
        if self._option is not None:
            self._option[1] += data

    def handle_endtag(self, tag):
        if tag == "option":
            self._option = None
        elif tag == "select":
            self._current = None


def parse_selects(html: str) -> _Selects:
    parser = _Selects()
    parser.feed(html)
    return parser


def option_values(html: str) -> dict[str, str]:
    """`<option value="…">name</option>` outside any select (the children endpoint's fragment)."""
    top = html.split("<select", 1)[0]
    return {v: n.strip() for v, n in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', top)}


# --- selectors ------------------------------------------------------------------------------------


def test_provinces_are_the_children_of_nothing():
    provinces = list(selectors.regions_children(parent_code=None))
    assert len(provinces) == 38
    assert all(r.level == Level.PROVINCE for r in provinces)
    assert [r.name for r in provinces] == sorted(r.name for r in provinces)


def test_region_path_runs_from_province_to_the_region(django_assert_num_queries):
    with django_assert_num_queries(1):
        path = selectors.region_path(code="3371031002")
    assert [(r.code, r.name) for r in path] == [
        ("33", "Jawa Tengah"),
        ("3371", "Kota Magelang"),
        ("337103", "Magelang Tengah"),
        ("3371031002", "Cacaban"),
    ]


@pytest.mark.parametrize("code", ["3371039999", "3399", "99", ""])
def test_region_path_of_an_unknown_code_is_empty(code):
    assert selectors.region_path(code=code) == []


def test_picker_options_for_a_village_in_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        options = selectors.region_picker_options(code="3371031002", depth=4)
    assert set(options) == {None, "33", "3371", "337103"}
    assert len(options[None]) == 38
    assert {r.code for r in options["3371"]} == set(KOTA_MAGELANG_KECAMATAN)
    assert {r.code: r.name for r in options["337103"]} == MAGELANG_TENGAH_KELURAHAN


# --- the children endpoint ------------------------------------------------------------------------


def test_children_of_jawa_tengah_include_kota_magelang(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get(CHILDREN, {"parent": "33"})
    assert response.status_code == 200
    options = option_values(response.content.decode())
    assert options["3371"] == "Kota Magelang"
    assert options["3308"] == "Kabupaten Magelang"
    assert options[""] == "— pilih kabupaten/kota —"
    assert len(options) == 1 + 35  # placeholder + Jawa Tengah's 29 kabupaten and 6 kota


def test_children_of_kota_magelang_are_its_three_kecamatan(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get(CHILDREN, {"parent": "3371"})
    assert response.status_code == 200
    options = option_values(response.content.decode())
    assert options.pop("") == "— pilih kecamatan —"
    assert options == KOTA_MAGELANG_KECAMATAN
    # name order, as a person looks for them
    assert list(options.values()) == ["Magelang Selatan", "Magelang Tengah", "Magelang Utara"]


def test_kota_magelang_has_seventeen_kelurahan_across_its_kecamatan(client):
    kelurahan = {}
    for kecamatan in KOTA_MAGELANG_KECAMATAN:
        response = client.get(CHILDREN, {"parent": kecamatan})
        assert response.status_code == 200
        options = option_values(response.content.decode())
        assert options.pop("") == "— pilih kelurahan/desa —"
        assert all(code.startswith(kecamatan) and len(code) == 10 for code in options)
        kelurahan.update(options)
    assert len(kelurahan) == 17
    assert {c: n for c, n in kelurahan.items() if c.startswith("337103")} == MAGELANG_TENGAH_KELURAHAN


def test_dotted_parent_is_accepted(client):
    response = client.get(CHILDREN, {"parent": "33.71"})
    assert response.status_code == 200
    assert option_values(response.content.decode())["337103"] == "Magelang Tengah"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({}, "Parameter parent wajib diisi."),
        ({"parent": ""}, "Parameter parent wajib diisi."),
        ({"parent": "abc"}, "Kode wilayah induk tidak sah."),
        ({"parent": "3"}, "Kode wilayah induk tidak sah."),
        ({"parent": "33.7"}, "Kode wilayah induk tidak sah."),
        ({"parent": "33'; DROP TABLE regions_region; --"}, None),
        ({"parent": "٣٣"}, "Kode wilayah induk tidak sah."),  # Arabic-Indic digits are digits to Python
        ({"parent": "3371031002"}, "Kode wilayah induk tidak sah."),  # a village has no children
        ({"parent": "99"}, "Kode wilayah induk tidak dikenal."),
        ({"parent": "3399"}, "Kode wilayah induk tidak dikenal."),
        ({"parent": "337199"}, "Kode wilayah induk tidak dikenal."),
        ({"parent": "33", "level": "2"}, "Kode wilayah induk tidak cocok dengan tingkatnya."),
        ({"parent": "33", "level": "x"}, None),
        ({"parent": "33", "picker": "id_w"}, "Parameter picker dan depth harus diisi bersama."),
        ({"parent": "33", "picker": '"><script>alert(1)</script>', "depth": "4"}, None),
        ({"parent": "3371", "picker": "id_w", "depth": "2"}, "Tingkat pemilih wilayah tidak cocok."),
        ({"parent": "33", "picker": "id_w", "depth": "9"}, None),
    ],
)
def test_bad_parent_is_a_400_with_a_short_indonesian_message(client, query, message):
    response = client.get(CHILDREN, query)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    body = response.content.decode()
    assert "<" not in body and len(body) < 200
    if message:
        assert body == message


def test_unknown_parent_costs_one_query(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert client.get(CHILDREN, {"parent": "3399"}).status_code == 400
    with django_assert_num_queries(0):
        assert client.get(CHILDREN, {"parent": "abc"}).status_code == 400


def test_post_is_refused(client):
    assert client.post(CHILDREN, {"parent": "33"}).status_code == 405


def test_widget_request_loads_next_level_and_empties_deeper_ones_out_of_band(
    client, django_assert_num_queries
):
    # What the province <select> sends when the user picks Jawa Tengah.
    query = {"src": "wilayah_1", "level": "1", "picker": "id_wilayah", "depth": "4", "wilayah_1": "33"}
    with django_assert_num_queries(1):
        response = client.get(CHILDREN, query, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert option_values(html)["3371"] == "Kota Magelang"
    oob = parse_selects(html)
    assert oob.order == ["id_wilayah_3", "id_wilayah_4"]
    assert all(s["attrs"]["hx-swap-oob"] == "innerHTML" for s in oob.selects.values())
    assert oob.selects["id_wilayah_3"]["options"] == [["", "— pilih kabupaten/kota dahulu —"]]
    assert oob.selects["id_wilayah_4"]["options"] == [["", "— pilih kecamatan dahulu —"]]


def test_widget_request_from_the_last_upper_level_has_nothing_to_empty(client):
    query = {"src": "w_3", "level": "3", "picker": "id_w", "depth": "4", "w_3": "337103"}
    html = client.get(CHILDREN, query).content.decode()
    assert parse_selects(html).order == []
    assert option_values(html)["3371031002"] == "Cacaban"


def test_going_back_to_the_placeholder_empties_every_deeper_level_without_a_query(
    client, django_assert_num_queries
):
    query = {"src": "wilayah_1", "level": "1", "picker": "id_wilayah", "depth": "4", "wilayah_1": ""}
    with django_assert_num_queries(0):
        response = client.get(CHILDREN, query)
    assert response.status_code == 200
    html = response.content.decode()
    assert option_values(html) == {"": "— pilih provinsi dahulu —"}
    assert parse_selects(html).order == ["id_wilayah_3", "id_wilayah_4"]


# --- RegionField -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("3371031002", "3371031002"),
        ("33.71.03.1002", "3371031002"),
        ("  33.71.03.1002 ", "3371031002"),
    ],
)
def test_field_cleans_to_the_undotted_village_code(raw, code, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert RegionField(level=4).clean(raw) == code


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("3371039999", "Kode wilayah tidak dikenal: pilih kelurahan/desa dari daftar."),
        ("33.71.03.9999", "Kode wilayah tidak dikenal: pilih kelurahan/desa dari daftar."),
        ("3371031", FORMAT_ERROR),
        ("33.7103.1002", FORMAT_ERROR),
        ("33-71-03-1002", FORMAT_ERROR),
        ("desa cacaban", FORMAT_ERROR),
        ("337103", "Pilihan wilayah belum lengkap: pilih sampai kelurahan/desa."),
        ("33", "Pilihan wilayah belum lengkap: pilih sampai kelurahan/desa."),
        ("", "Pilih kelurahan/desa."),
    ],
)
def test_field_refuses_bad_codes_in_indonesian(raw, message):
    form = RegionPickerForm({"wilayah": raw})
    assert not form.is_valid()
    assert form.errors["wilayah"] == [message]


def test_field_of_a_higher_level():
    field = RegionField(level=Level.REGENCY)
    assert field.clean("33.71") == "3371"
    assert field.widget.depth == Level.REGENCY
    form_error = RegionField(level=Level.REGENCY)
    with pytest.raises(Exception, match="pilih kabupaten/kota dari daftar"):
        form_error.clean("3399")
    # a district code is not a regency, even though it exists
    with pytest.raises(Exception, match="Kode kabupaten/kota tidak sah"):
        form_error.clean("337103")


def test_optional_field_accepts_nothing():
    assert RegionField(level=4, required=False).clean("") == ""


def test_field_from_the_four_selects():
    data = {"wilayah_1": "33", "wilayah_2": "3371", "wilayah_3": "337103", "wilayah": "3371031002"}
    form = RegionPickerForm(data)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["wilayah"] == "3371031002"


def test_partial_choice_is_incomplete_and_keeps_what_was_chosen():
    form = RegionPickerForm({"wilayah_1": "33", "wilayah_2": "3371", "wilayah_3": "", "wilayah": ""})
    assert form.errors["wilayah"] == ["Pilihan wilayah belum lengkap: pilih sampai kelurahan/desa."]
    selects = parse_selects(str(form["wilayah"]))
    assert selects.selects["id_wilayah_2"]["selected"] == "3371"
    # the next level is loaded server-side, so the picker works without JavaScript too
    assert {v for v, _ in selects.selects["id_wilayah_3"]["options"]} == {"", *KOTA_MAGELANG_KECAMATAN}


def test_changing_an_upper_level_drops_stale_deeper_choices():
    # Without JavaScript: Jawa Timur chosen after a Magelang village had been picked.
    data = {"wilayah_1": "35", "wilayah_2": "3371", "wilayah_3": "337103", "wilayah": "3371031002"}
    form = RegionPickerForm(data)
    assert form.errors["wilayah"] == ["Pilihan wilayah belum lengkap: pilih sampai kelurahan/desa."]
    selects = parse_selects(str(form["wilayah"]))
    assert selects.selects["id_wilayah_1"]["selected"] == "35"
    assert selects.selects["id_wilayah_2"]["selected"] is None


# --- the widget ------------------------------------------------------------------------------------


def test_rerender_prefills_all_four_levels_from_the_code(django_assert_num_queries):
    form = RegionPickerForm({"wilayah": "33.71.03.1002"})
    assert form.is_valid()
    with django_assert_num_queries(1):
        html = str(form["wilayah"])
    selects = parse_selects(html)
    assert selects.order == ["id_wilayah_1", "id_wilayah_2", "id_wilayah_3", "id_wilayah_4"]
    chosen = {sid: s["selected"] for sid, s in selects.selects.items()}
    assert chosen == {
        "id_wilayah_1": "33",
        "id_wilayah_2": "3371",
        "id_wilayah_3": "337103",
        "id_wilayah_4": "3371031002",
    }
    assert len(selects.selects["id_wilayah_1"]["options"]) == 1 + 38
    assert {v for v, _ in selects.selects["id_wilayah_3"]["options"]} == {"", *KOTA_MAGELANG_KECAMATAN}
    assert {v: n for v, n in selects.selects["id_wilayah_4"]["options"] if v} == MAGELANG_TENGAH_KELURAHAN
    names = [s["attrs"]["name"] for s in selects.selects.values()]
    assert names == ["wilayah_1", "wilayah_2", "wilayah_3", "wilayah"]
    for sid in selects.order:
        assert f'<label for="{sid}">' in html


def test_initial_value_prefills_too():
    form = RegionPickerForm(initial={"wilayah": "3371031002"})
    selects = parse_selects(str(form["wilayah"]))
    assert selects.selects["id_wilayah_4"]["selected"] == "3371031002"


def test_unbound_widget_offers_provinces_and_waits_for_the_rest(django_assert_num_queries):
    with django_assert_num_queries(1):
        html = str(RegionPickerForm()["wilayah"])
    selects = parse_selects(html)
    assert len(selects.selects["id_wilayah_1"]["options"]) == 39
    assert selects.selects["id_wilayah_2"]["options"] == [["", "— pilih provinsi dahulu —"]]
    assert selects.selects["id_wilayah_4"]["options"] == [["", "— pilih kecamatan dahulu —"]]
    first = selects.selects["id_wilayah_1"]["attrs"]
    assert first["hx-get"].startswith(CHILDREN + "?")
    assert "src=wilayah_1" in first["hx-get"] and "picker=id_wilayah" in first["hx-get"]
    assert first["hx-target"] == "#id_wilayah_2"
    assert "hx-get" not in selects.selects["id_wilayah_4"]["attrs"]


def test_garbage_value_still_renders_the_provinces():
    form = RegionPickerForm({"wilayah": '"><script>alert(1)</script>'})
    html = str(form["wilayah"])
    assert "<script>" not in html
    assert len(parse_selects(html).selects["id_wilayah_1"]["options"]) == 39


def test_form_prefix_keeps_names_and_ids_apart():
    form = RegionPickerForm(prefix="alamat", data={"alamat-wilayah": "3371031002"})
    assert form.is_valid()
    selects = parse_selects(str(form["wilayah"]))
    assert selects.order == [f"id_alamat-wilayah_{lv}" for lv in (1, 2, 3, 4)]
    assert selects.selects["id_alamat-wilayah_1"]["attrs"]["name"] == "alamat-wilayah_1"


# --- the page ----------------------------------------------------------------------------------------


def test_picker_page_unbound(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get(PICKER)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="id">' in html
    assert 'id="hasil"' not in html
    assert 'class="errorlist' not in html


def test_picker_page_shows_the_chosen_village(client, django_assert_num_queries):
    with django_assert_num_queries(3):  # the field's check, the path, the widget's option lists
        response = client.get(PICKER, {"wilayah": "33.71.03.1002"})
    assert response.status_code == 200
    html = response.content.decode()
    result = html.split('id="hasil"', 1)[1]
    assert "Cacaban, Magelang Tengah, Kota Magelang, Jawa Tengah" in result
    assert "<code>3371031002</code>" in result
    assert "<code>33.71.03.1002</code>" in result


def test_picker_page_with_an_unknown_code_says_so(client):
    response = client.get(PICKER, {"wilayah": "3371039999"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kode wilayah tidak dikenal: pilih kelurahan/desa dari daftar." in html
    assert 'aria-invalid="true"' in html
    assert 'id="hasil"' not in html


def test_pages_load_nothing_from_outside(client):
    for url in (reverse("home"), PICKER):
        html = client.get(url).content.decode()
        assert not re.search(r"""(src|href|action)=["']?(https?:)?//""", html), url
        assert "/static/django_htmx/htmx-2" in html
        assert "/static/css/dtks.css" in html


def test_base_layout_has_language_switch_and_csrf_header(client):
    html = client.get(reverse("home")).content.decode()
    assert f'action="{reverse("set_language")}" method="post"' in html
    assert '<option value="en" lang="en">English</option>' in html
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    assert 'name="viewport"' in html


def test_language_switch_works(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": PICKER})
    assert response.status_code == 302
    assert response["Location"] == PICKER
    html = client.get(PICKER).content.decode()
    assert '<html lang="en">' in html
