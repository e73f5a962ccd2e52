"""Scanned documents people upload as evidence: a musyawarah's minutes, a regent's approval letter
(docs/security.md #7).

An upload is accepted by its content (its first bytes, read with `filetype`), never by its name or
the type the browser declares; it is size-capped before anything is read, and stored under a
generated name, so a user's file name never becomes a path. Each kind of document is served only by
its own scoped view, which logs every access; there is no public media URL.
"""

import hashlib
import uuid

import filetype
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_BYTES = 10 * 1024 * 1024
# MIME type read from the content -> extension of the stored file.
ACCEPTED = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
HEAD_BYTES = 262  # what filetype needs to recognise every type it knows


def document_check(upload, *, field: str, noun: str) -> str:
    """The MIME type of an acceptable upload; a ValidationError on `field` naming the document
    (`noun`, e.g. "notulen") and the fix otherwise."""
    size = getattr(upload, "size", None) or 0
    if size <= 0:
        raise ValidationError(
            {field: _("Berkas %(noun)s kosong; pilih berkas PDF atau hasil pindaiannya.") % {"noun": noun}}
        )
    if size > MAX_BYTES:
        raise ValidationError(
            {
                field: _(
                    "Berkas %(noun)s terlalu besar (paling besar %(mb)d MB); perkecil atau pindai ulang "
                    "dengan resolusi lebih rendah."
                )
                % {"noun": noun, "mb": MAX_BYTES // (1024 * 1024)}
            }
        )
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ACCEPTED:
        raise ValidationError(
            {
                field: _(
                    "Berkas %(noun)s harus PDF, JPEG, atau PNG (dikenali dari isinya, bukan dari nama "
                    "berkasnya); unggah hasil pindaian atau fotonya."
                )
                % {"noun": noun}
            }
        )
    return kind.mime


def document_name(mime: str) -> str:
    """A generated file name; the model's upload_to adds the folder."""
    return f"{uuid.uuid4().hex}.{ACCEPTED[mime]}"


def document_mime(name: str) -> str:
    """The type a stored document is served as, from the extension its generated name was given."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return next((mime for mime, e in ACCEPTED.items() if e == ext), "application/octet-stream")


def document_sha256(upload) -> str:
    """The SHA-256 of an upload's bytes, read in chunks (it is kept with the document)."""
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(65536), b""):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()
