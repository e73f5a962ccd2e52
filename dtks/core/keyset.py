"""Keyset paging (issue 14): a page is the `size` rows after (or before) a cursor in a list's order,
found with one row comparison, `(a, b, c) > (%s, %s, %s)`, never with OFFSET and never with COUNT(*).

With an index whose columns are the order's (under the list's filter, e.g. a prefix of the region
code), the database starts the scan at the cursor and reads one page's rows, whatever the page's depth.
The order must end with a unique column, so that it is total. A cursor carries the key of the row it
points at, not its position: a page does not shift when rows are added or removed before it.

The row comparison is Django's own (`django.db.models.fields.tuple_lookups`, what its composite
primary keys use). Used by the registry lists (dtks/registry/selectors.py: pages and API) and the verval
queue (verification/selectors.py).
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.db.models.functions import Collate

CURSOR_MAX = 1000  # characters; a cursor of ours is well under (a name of 150 characters, a code, an id)
FORWARD, BACKWARD = ">", "<"


@dataclass
class KeysetPage:
    rows: list
    next_cursor: str = ""  # the page after this one; "" on the last page
    previous_cursor: str = ""  # the page before; "" on the first page
    bad_cursor: bool = False  # the cursor asked for was not one of ours: this is the first page


class Keyset:
    """An order over `fields`, the last of them unique (e.g. `"village_code", "nama", "person_id"`),
    all ascending or all `descending`. `collations` sorts a text field in another collation than the
    database's, e.g. `{"village_code": "C"}` so the same index serves the order and a `LIKE 'prefix%'`."""

    def __init__(self, *fields: str, descending: bool = False, collations: dict[str, str] | None = None):
        collations = collations or {}
        self.fields = fields
        self.descending = descending
        self.key = [Collate(F(f), collations[f]) if f in collations else F(f) for f in fields]

    def ordering(self, *, reverse: bool = False) -> list:
        """For `order_by`: the list's order (or its reverse)."""
        desc = self.descending != reverse
        return [k.desc() if desc else k.asc() for k in self.key]

    def cursor(self, row, *, direction: str = FORWARD) -> str:
        """The cursor of the page after `row` (FORWARD) or before it (BACKWARD)."""
        values = [getattr(row, f) for f in self.fields]
        values = [v.isoformat() if isinstance(v, date | datetime) else v for v in values]
        text = json.dumps([direction, *values], ensure_ascii=False, separators=(",", ":"))
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    def decode(self, model, cursor: str) -> tuple[str, list] | None:
        """(direction, key values) of a cursor, each value checked as its model field checks it (type,
        length, range, no NUL); None for anything that is not a cursor of this order."""
        if not cursor.isascii() or len(cursor) > CURSOR_MAX:
            return None
        try:
            raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        except (binascii.Error, ValueError):
            return None
        if not isinstance(raw, list) or len(raw) != len(self.fields) + 1 or raw[0] not in (FORWARD, BACKWARD):
            return None
        values = []
        for name, value in zip(self.fields, raw[1:], strict=True):
            if isinstance(value, bool) or not isinstance(value, str | int):
                return None
            if isinstance(value, str) and not _storable(value):
                return None
            field = model._meta.pk if name == "pk" else model._meta.get_field(name)
            try:
                values.append(field.clean(value, None))
            except ValidationError:
                return None
        return raw[0], values

    def page(self, qs: QuerySet, cursor: str = "", *, size: int) -> KeysetPage:
        """The `size` rows of `qs` (already scoped and filtered) after or before `cursor`, in this order;
        the first page for no cursor, and for a bad one (`bad_cursor`)."""
        decoded = self.decode(qs.model, cursor) if cursor else None
        direction, anchor = decoded or (FORWARD, None)
        backward = direction == BACKWARD
        qs = qs.order_by(*self.ordering(reverse=backward))
        if anchor is not None:
            past = TupleLessThan if self.descending != backward else TupleGreaterThan
            qs = qs.filter(past(Tuple(*self.key), anchor))
        rows = list(qs[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        if backward:
            rows.reverse()
        # Going forward there is a page before whenever we came from one; going back, one after.
        has_next = backward or more
        has_previous = more if backward else anchor is not None
        return KeysetPage(
            rows=rows,
            next_cursor=self.cursor(rows[-1]) if rows and has_next else "",
            previous_cursor=self.cursor(rows[0], direction=BACKWARD) if rows and has_previous else "",
            bad_cursor=bool(cursor) and decoded is None,
        )


def _storable(text: str) -> bool:
    """PostgreSQL text holds no NUL, and the driver encodes no lone surrogate."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return "\x00" not in text
