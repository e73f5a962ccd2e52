"""The API's `Idempotency-Key` header (docs/design.md §4): parsed and described once for every creating
or deciding POST. What a key protects is the services' business (dtks/core/idempotency.py)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions

IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "maxLength": 64, "pattern": "^[A-Za-z0-9._:-]{1,64}$"},
    OpenApiParameter.HEADER,
    required=False,
    description=_(
        "Kunci unik per permintaan; permintaan ulang dengan kunci yang sama tidak membuat apa pun lagi."
    ),
)
KEY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-")


def idempotency_key(request) -> str | None:
    """The request's key, or None without one; a malformed key is a 400 naming the header."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not (1 <= len(key) <= 64) or not set(key) <= KEY_CHARS:
        raise exceptions.ValidationError(
            {
                "Idempotency-Key": [
                    _("Kunci idempoten 1–64 karakter: huruf, angka, titik, titik dua, _ atau -.")
                ]
            }
        )
    return key
