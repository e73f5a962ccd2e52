"""The API's JSON parser, set as REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] (SECURITY.md #4).

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


def nesting_exceeds(value, limit: int = MAX_DEPTH) -> bool:
    """Whether objects/lists nest deeper than `limit`; iterative, so it cannot recurse itself."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


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
            # Bytes that are not the declared encoding, NaN/Infinity, a surrogate that is no character.
            raise ParseError(
                _("Isi permintaan bukan JSON UTF-8 yang sah; kirim teks JSON dengan pengodean UTF-8.")
            ) from None
        if nesting_exceeds(data):
            raise ParseError(self._too_deep())
        return data

    @staticmethod
    def _too_deep() -> str:
        return _(
            "Isi permintaan JSON bersarang terlalu dalam (lebih dari %(n)s tingkat); kirim objek "
            "sesuai skema API (/api/v1/docs/)."
        ) % {"n": MAX_DEPTH}
