"""Keyset (cursor) paging for registry lists: no COUNT(*) over a national registry of ~99 M persons,
each page one indexed range scan, and a page does not shift while the registry is read."""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

MAX_ID = 2**63 - 1


class RegistryCursorPagination(CursorPagination):
    page_size = 50
    ordering = "id"  # each view sets its stable identity column (a bigint)
    # A cursor the client spoiled is bad input (400, naming the parameter), not a missing page:
    # DRF's own answer is a 404, which reads as "this list does not exist".
    invalid_cursor_message = _(
        "Kursor halaman tidak valid; ikuti tautan `next`/`previous` dari jawaban sebelumnya tanpa mengubahnya."
    )

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise self._invalid() from None
        # The cursor is client input: a position that is not a bigint would reach the database as
        # a comparison with an integer column and fail there (a 500), so it is refused here.
        position = cursor.position if cursor else None
        if position is not None and not (position.isdigit() and int(position) <= MAX_ID):
            raise self._invalid()
        return cursor

    def _invalid(self) -> ValidationError:
        return ValidationError({self.cursor_query_param: [self.invalid_cursor_message]})


class PersonCursorPagination(RegistryCursorPagination):
    ordering = "person_id"


class FamilyCursorPagination(RegistryCursorPagination):
    ordering = "family_id"
