"""Keyset (cursor) paging for registry lists: no COUNT(*) over a national registry of ~99 M persons,
each page one indexed range scan, and a page does not shift while the registry is read."""

from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination

MAX_ID = 2**63 - 1


class RegistryCursorPagination(CursorPagination):
    page_size = 50
    ordering = "id"  # each view sets its stable identity column (a bigint)

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        # The cursor is client input: a position that is not a bigint would reach the database as
        # a comparison with an integer column and fail there (a 500), so it is refused here.
        position = cursor.position if cursor else None
        if position is not None and not (position.isdigit() and int(position) <= MAX_ID):
            raise NotFound(self.invalid_cursor_message)
        return cursor


class PersonCursorPagination(RegistryCursorPagination):
    ordering = "person_id"


class FamilyCursorPagination(RegistryCursorPagination):
    ordering = "family_id"
