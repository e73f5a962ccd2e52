"""The registry's attributes, grouped and labelled once (docs/design.md §6).

Every list of person fields, family fields and house conditions, and every label a person reads for
one of them, comes from here: the baseline load, the proposal items, the import template, the forms,
the serializers and the integrity messages. Coded attributes take their values from the code list
of the same name (`registry_code.list`), which the ministry extends as data.

Labels are lazy translations (the UI's language). Messages that are stored as rendered (row errors,
integrity findings) are rendered in Bahasa Indonesia whatever the request's language: `label_id`.
"""

from django.utils import translation
from django.utils.translation import gettext_lazy as _

# Who a person is, in the order forms and the template show them.
IDENTITY_FIELDS = (
    "nik",
    "nama",
    "tempat_lahir",
    "tanggal_lahir",
    "jenis_kelamin",
    "status_perkawinan",
    "hubungan_keluarga",
)
# A family's own fields besides its house and its village.
FAMILY_FIELDS = ("no_kk", "rt", "rw", "alamat")
# The house conditions of a family, as the DTKS form lists them.
HOUSE_FIELDS = (
    "status_kepemilikan",
    "atap",
    "dinding",
    "lantai",
    "sumber_air_minum",
    "penerangan",
    "fasilitas_bab",
)
# Attributes holding several codes (an array column; `;`, `,` or `|` between codes in a file).
MULTI_VALUED = ("kriteria", "disabilitas", "program")
# A person: identity, then welfare attributes.
PERSON_FIELDS = (*IDENTITY_FIELDS, "kategori", *MULTI_VALUED)
# Attributes holding one code of the code list of the same name.
CODED = (
    "jenis_kelamin",
    "status_perkawinan",
    "hubungan_keluarga",
    "kategori",
    *HOUSE_FIELDS,
)
HEAD = "KEPALA KELUARGA"

LABELS = {
    "nik": _("NIK"),
    "no_kk": _("Nomor KK"),
    "nama": _("Nama"),
    "tempat_lahir": _("Tempat lahir"),
    "tanggal_lahir": _("Tanggal lahir"),
    "jenis_kelamin": _("Jenis kelamin"),
    "status_perkawinan": _("Status perkawinan"),
    "hubungan_keluarga": _("Hubungan keluarga"),
    "kode_wilayah": _("Kode wilayah"),
    "rt": _("RT"),
    "rw": _("RW"),
    "alamat": _("Alamat"),
    "kategori": _("Kategori"),
    "kriteria": _("Kriteria"),
    "disabilitas": _("Disabilitas"),
    "program": _("Program yang diterima"),
    "status_kepemilikan": _("Status kepemilikan bangunan"),
    "atap": _("Jenis atap terluas"),
    "dinding": _("Jenis dinding terluas"),
    "lantai": _("Jenis lantai terluas"),
    "sumber_air_minum": _("Sumber air minum"),
    "penerangan": _("Sumber penerangan utama"),
    "fasilitas_bab": _("Fasilitas buang air besar"),
    "persons": _("Anggota keluarga"),
}
# Messages stored as rendered (row errors, integrity findings) name some fields shorter, as the import
# template's columns read; everything else is the label above.
MESSAGE_LABELS = {
    **LABELS,
    "atap": "Atap",
    "dinding": "Dinding",
    "lantai": "Lantai",
    "penerangan": "Penerangan",
    "fasilitas_bab": "Fasilitas BAB",
    "program": "Program",
}
SEX_LABELS = {"L": _("Laki-laki"), "P": _("Perempuan")}


def label(field: str) -> str:
    """The field's label in the current language (the field name itself if it has none)."""
    return str(LABELS.get(field, field))


def label_id(field: str) -> str:
    """The field's name in Bahasa Indonesia in a message stored as rendered."""
    with translation.override("id"):
        return str(MESSAGE_LABELS.get(field, field))
