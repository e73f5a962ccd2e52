"""dtks.core.keyset on its own: descending orders, going back, dates in a cursor. The lists that use it
are tested with their pages (tests/registry/test_list_paging.py, tests/verification/test_queue.py)."""

from datetime import date

import pytest

from dtks.core.keyset import Keyset
from dtks.registry.models import PersonVersion
from tests.registry.factories import batch, person

pytestmark = pytest.mark.django_db


def ids(page) -> list[int]:
    return [r.person_id for r in page.rows]


def test_a_descending_order_pages_forward_and_back():
    b = batch()
    for pid in range(1, 8):
        person(b, person_id=pid, nama=f"P{pid}")
    order, qs = Keyset("person_id", descending=True), PersonVersion.objects.current()
    first = order.page(qs, size=3)
    assert ids(first) == [7, 6, 5] and first.next_cursor and not first.previous_cursor
    second = order.page(qs, first.next_cursor, size=3)
    assert ids(second) == [4, 3, 2] and second.previous_cursor
    last = order.page(qs, second.next_cursor, size=3)
    assert ids(last) == [1] and not last.next_cursor
    back = order.page(qs, last.previous_cursor, size=3)
    assert ids(back) == [4, 3, 2] and back.next_cursor and back.previous_cursor
    start = order.page(qs, back.previous_cursor, size=3)
    assert ids(start) == [7, 6, 5] and not start.previous_cursor and start.next_cursor


def test_a_date_in_the_key():
    b = batch()
    for pid, born in ((1, date(1990, 1, 2)), (2, date(1980, 5, 6)), (3, date(1990, 1, 2))):
        person(b, person_id=pid, tanggal_lahir=born)
    order, qs = Keyset("tanggal_lahir", "person_id"), PersonVersion.objects.current()
    first = order.page(qs, size=2)
    assert ids(first) == [2, 1]
    assert ids(order.page(qs, first.next_cursor, size=2)) == [3]
    assert order.decode(PersonVersion, first.next_cursor) == (">", [date(1990, 1, 2), 1])


def test_an_empty_list_has_no_links():
    page = Keyset("person_id").page(PersonVersion.objects.current(), size=3)
    assert page.rows == [] and not page.next_cursor and not page.previous_cursor and not page.bad_cursor
