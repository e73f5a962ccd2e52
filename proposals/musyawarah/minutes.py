"""Musyawarah minutes (notulen): what an upload may be, and where it is kept.

An upload is accepted by its content (its first bytes, read with `filetype`), never by its name or
the type the browser declares; it is size-capped before anything is read, and stored under a
generated name, so a user's file name never becomes a path. The file is served only by the scoped
view `proposals:musyawarah_minutes`, which logs each access (docs/security.md #7); there is no public
media URL.
"""

import uuid

import filetype
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_BYTES = 10 * 1024 * 1024
# MIME type read from the content -> extension of the stored file.
ACCEPTED = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
HEAD_BYTES = 262  # what filetype needs to recognise every type it knows


def minutes_check(upload) -> str:
    """The MIME type of an acceptable upload; ValidationError naming the field and the fix otherwise."""
    size = getattr(upload, "size", None) or 0
    if size <= 0:
        raise ValidationError({"minutes": _("Berkas notulen kosong; pilih berkas PDF atau foto notulen.")})
    if size > MAX_BYTES:
        raise ValidationError(
            {
                "minutes": _(
                    "Berkas notulen terlalu besar (paling besar %(mb)d MB); perkecil atau pindai ulang "
                    "dengan resolusi lebih rendah."
                )
                % {"mb": MAX_BYTES // (1024 * 1024)}
            }
        )
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ACCEPTED:
        raise ValidationError(
            {
                "minutes": _(
                    "Notulen harus berkas PDF, JPEG, atau PNG (dikenali dari isinya, bukan dari nama "
                    "berkasnya); unggah hasil pindaian atau foto notulen."
                )
            }
        )
    return kind.mime


def minutes_name(mime: str) -> str:
    """A generated file name; the model's upload_to adds the folder."""
    return f"{uuid.uuid4().hex}.{ACCEPTED[mime]}"


def minutes_mime(name: str) -> str:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return next((mime for mime, e in ACCEPTED.items() if e == ext), "application/octet-stream")
