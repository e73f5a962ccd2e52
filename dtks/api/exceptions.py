"""The one error format of the API, set as REST_FRAMEWORK["EXCEPTION_HANDLER"].

Every error answers `{"detail": "<one sentence>", "errors": {"<field>": ["<message>", ...]}}`;
`errors` is empty unless the input had field errors. The permission-table middleware answers its
401/403 in the same shape. Bad input is a 400 with field errors, never a 500; an unexpected
exception is logged with its traceback and answered with a generic 500 that shows none of it.
"""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.fields import get_error_detail
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

logger = logging.getLogger("dtks.api")


def error_body(detail: str, errors: dict[str, list[str]] | None = None) -> dict:
    return {"detail": detail, "errors": errors or {}}


def flatten_errors(data, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error structure as `{"field": [...], "anggota.0.nik": [...]}`."""
    out: dict[str, list[str]] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            out.update(flatten_errors(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(data, list) and data and all(isinstance(v, dict | list) for v in data):
        for index, value in enumerate(data):
            out.update(flatten_errors(value, f"{prefix}.{index}" if prefix else str(index)))
    elif isinstance(data, list):
        out[prefix or api_settings.NON_FIELD_ERRORS_KEY] = [str(v) for v in data]
    else:
        out[prefix or api_settings.NON_FIELD_ERRORS_KEY] = [str(data)]
    return out


def api_exception_handler(exc, context):
    request = context.get("request")
    if request is not None:
        # Errors are JSON on every view, also on those that render YAML (schema) or HTML (docs).
        request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
    if isinstance(exc, DjangoValidationError):
        # A service or model validator refused the input: the same 400 as a serializer's.
        exc = exceptions.ValidationError(detail=get_error_detail(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, SuspiciousOperation):
        # Django refused the request itself while DRF read it (a form body over
        # DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields): bad input, a 400 as Django answers pages, and
        # logged the way Django logs it (security logger, no traceback).
        logging.getLogger(f"django.security.{exc.__class__.__name__}").warning(str(exc))
        exc = exceptions.ParseError(
            _(
                "Permintaan ditolak: isinya terlalu besar atau terlalu banyak isian; kirim data yang lebih kecil."
            )
        )

    response = drf_exception_handler(exc, context)
    if response is None:
        set_rollback()
        logger.error(
            "Unhandled API error on %s %s",
            getattr(request, "method", "?"),
            getattr(request, "path", "?"),
            exc_info=exc,
        )
        return Response(
            error_body(_("Terjadi kesalahan pada server. Kejadian ini sudah dicatat; coba lagi nanti.")),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )

    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body(
            _("Data yang dikirim tidak valid; periksa isian yang ditandai."), flatten_errors(exc.detail)
        )
    elif isinstance(exc, exceptions.NotAuthenticated):
        response.data = error_body(_("Masuk terlebih dahulu."))
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
        if isinstance(detail, dict | list):
            response.data = error_body(_("Permintaan tidak dapat diproses."), flatten_errors(detail))
        else:
            response.data = error_body(str(detail))
    return response
