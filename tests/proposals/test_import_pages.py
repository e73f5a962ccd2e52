"""The import's pages as the village operator meets them: every refusal of an upload reaches the page as
the message the API gives for the same file; a double submit of the upload form is one import; the
preview names each column by its Indonesian label, never by the template's key."""

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape

from proposals.imports import services as importing
from proposals.models import ImportJob
from tests.proposals.test_import_api import api
from tests.proposals.test_import_api import upload as api_upload
from tests.proposals.test_import_files import (
    csv_bytes,
    docx_renamed,
    family_rows,
    individual_row,
    xml_entities,
    zip_bomb,
)

pytestmark = pytest.mark.django_db

XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512  # an OLE2 header: Excel 97-2003


def page_url(musyawarah) -> str:
    return f"/usulan/musyawarah/{musyawarah.pk}/impor/"


def form_key(client, musyawarah) -> str:
    """The key the rendered upload form carries."""
    html = client.get(page_url(musyawarah)).content.decode()
    (key,) = re.findall(r'name="kunci" value="([0-9a-f]{32})"', html)
    return key


def page_upload(client, musyawarah, name: str, content: bytes, *, key: str | None = None):
    body = {"file": SimpleUploadedFile(name, content, content_type="application/octet-stream")}
    body["kunci"] = key or form_key(client, musyawarah)
    return client.post(page_url(musyawarah), body)


REFUSED = [
    pytest.param("usulan.csv", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 300, id="renamed-binary"),
    pytest.param("usulan.csv", b"%PDF-1.4\n1 0 obj<<>>endobj\n", id="renamed-pdf"),
    pytest.param("bom.xlsx", zip_bomb(), id="xlsx-zip-bomb"),
    pytest.param("entitas.xlsx", xml_entities(), id="xlsx-with-dtd"),
    pytest.param("surat.xlsx", docx_renamed(), id="docx-renamed-xlsx"),
    pytest.param("lama.xls", XLS, id="legacy-xls"),
    pytest.param("besar.csv", None, id="over-the-size-cap"),
]


@pytest.mark.parametrize(("name", "content"), REFUSED)
def test_every_refusal_reaches_the_page_as_the_api_gives_it(
    import_dir, settings, client, musyawarah, operator, name, content
):
    if content is None:  # a valid file, but larger than the cap
        settings.DTKS_IMPORT_MAX_BYTES = 1000
        content = csv_bytes(family_rows(1) * 10)
        assert len(content) > 1000
    answer = api_upload(api(operator), musyawarah, content, name=name)
    assert answer.status_code == 400
    (message,) = answer.json()["errors"]["file"]

    client.force_login(operator)
    response = page_upload(client, musyawarah, name, content)
    assert response.status_code == 400
    html = response.content.decode()
    # On the file field, word for word, as the API said it.
    field = html[html.index('<label for="id_file"') :]
    assert escape(message) in field[: field.index("</div>")], message
    assert not ImportJob.objects.exists()
    assert not Path(import_dir).exists() or not any(Path(import_dir).iterdir())


def test_a_double_submit_of_the_upload_form_is_one_import_and_lands_on_it(
    import_dir, client, musyawarah, operator
):
    client.force_login(operator)
    key = form_key(client, musyawarah)
    content = csv_bytes(family_rows(1))
    first = page_upload(client, musyawarah, "usulan.csv", content, key=key)
    again = page_upload(client, musyawarah, "usulan.csv", content, key=key)
    job = ImportJob.objects.get()
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == f"/usulan/impor/{job.pk}/"
    assert len(list(Path(import_dir).iterdir())) == 1  # one stored file
    # A freshly rendered form has a fresh key: a second upload is a second import.
    other = page_upload(client, musyawarah, "usulan.csv", content)
    assert other.status_code == 302 and ImportJob.objects.count() == 2


def test_an_upload_form_without_its_key_is_refused_and_stores_nothing(
    import_dir, client, musyawarah, operator
):
    client.force_login(operator)
    body = {"file": SimpleUploadedFile("usulan.csv", csv_bytes(family_rows(1)), "text/csv")}
    response = client.post(page_url(musyawarah), body)
    assert response.status_code == 400
    assert "Formulir ini tidak lengkap (kunci pengiriman hilang)" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_no_file_names_the_field_and_the_fix(import_dir, client, musyawarah, operator):
    client.force_login(operator)
    response = client.post(page_url(musyawarah), {"kunci": form_key(client, musyawarah)})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Berkas CSV atau XLSX wajib diisi; pilih berkas CSV atau XLSX yang diisi menurut templat." in html
    assert "Bidang ini harus diisi" not in html and "This field is required" not in html


def test_the_preview_names_columns_by_their_labels(import_dir, client, musyawarah, operator):
    rows = family_rows(1) + [individual_row(1, jenis_kelamin="W", tanggal_lahir="31/02/1983")]
    job = importing.import_job_create(
        musyawarah_id=musyawarah.pk,
        uploaded=SimpleUploadedFile("usulan.csv", csv_bytes(rows), "text/csv"),
        actor=operator,
    )
    importing.import_job_preview(job_id=job.pk)
    client.force_login(operator)
    html = client.get(f"/usulan/impor/{job.pk}/").content.decode()
    errors = html[html.index('<ul class="row-errors"') :]
    errors = errors[: errors.index("</ul>")]
    assert "<strong>Jenis kelamin</strong>" in errors and "<strong>Tanggal lahir</strong>" in errors
    assert "<strong>jenis_kelamin</strong>" not in errors and "<strong>tanggal_lahir</strong>" not in errors
    # The machine-readable key stays on the row (data-field) for the page helper and the API.
    assert 'data-field="jenis_kelamin"' in errors
    # The fix form's labels too.
    assert '<label for="baris-5-jenis_kelamin">Jenis kelamin</label>' in html
