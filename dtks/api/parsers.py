"""The API's JSON parser, set as REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] (docs/security.md #4).

DRF's own JSONParser turns only a ValueError into a 400: a body of nested brackets (`[[[[…]]]]`,
2 KB is enough) makes Python's JSON parser raise RecursionError, which DRF lets through as a 500
with a long traceback in the log, on every JSON endpoint including the anonymous ones. This parser
answers such a body, and any body nested deeper than any DTKS operation takes, with a 400 in the
API's error shape, and says what is wrong in Bahasa Indonesia instead of the parser's English.
"""

import codecs
import json

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.settings import api_settings
from rest_framework.utils.json import strict_constant

# The deepest body of any operation is an object holding a list of objects (members of a
# self-registration: depth 3). Sixteen leaves room for later stages and refuses pathological input
# long before it can reach a recursive serializer, validator or the error renderer.
MAX_DEPTH = 16


def _is_text(value: str) -> bool:
    """False for a string holding a lone surrogate (`"\\ud800"` is valid JSON): no UTF-8 encodes it, so
    it would fail later, in PostgreSQL or in rendering an error message that quotes it (a 500)."""
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_body(value, limit: int = MAX_DEPTH) -> str | None:
    """What is wrong with a parsed body ("depth", "surrogate"), or None; iterative, so it cannot
    recurse itself however deep the body is."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if not _is_text(item):
                return "surrogate"
            continue
        if isinstance(item, dict):
            children = [*item.keys(), *item.values()]
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return "depth"
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list | str))
    return None


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            # DRF's check: only text encodings (a bytes codec such as bz2 would inflate the body).
            encoding = get_encoding(parser_context or {})
        except ParseError:
            raise ParseError(
                _("Pengodean (charset) di Content-Type tidak dikenal; kirim JSON dengan charset=utf-8.")
            ) from None
        try:
            decoded = codecs.getreader(encoding)(stream)
            data = json.load(decoded, parse_constant=strict_constant if api_settings.STRICT_JSON else None)
        except RecursionError:
            # Raised while the parser still holds its deep stack: nothing was built, nothing to log.
            raise ParseError(self._too_deep()) from None
        except json.JSONDecodeError as exc:
            raise ParseError(
                _(
                    "Isi permintaan bukan JSON yang sah (baris %(line)s, kolom %(col)s); periksa tanda "
                    "kurung, koma dan tanda kutip."
                )
                % {"line": exc.lineno, "col": exc.colno}
            ) from None
        except ValueError:
            # Bytes that are not the declared encoding, NaN or Infinity.
            raise ParseError(
                _("Isi permintaan bukan JSON UTF-8 yang sah; kirim teks JSON dengan pengodean UTF-8.")
            ) from None
        problem = check_body(data)
        if problem == "depth":
            raise ParseError(self._too_deep())
        if problem == "surrogate":
            raise ParseError(
                _(
                    "Isi permintaan memuat karakter yang tidak sah (surrogate Unicode tanpa pasangan); "
                    "kirim teks Unicode yang utuh."
                )
            )
        return data

    @staticmethod
    def _too_deep() -> str:
        return _(
            "Isi permintaan JSON bersarang terlalu dalam (lebih dari %(n)s tingkat); kirim objek "
            "sesuai skema API (/api/v1/docs/)."
        ) % {"n": MAX_DEPTH}
