"""Keyset (cursor) paging for registry lists: no COUNT(*) over a national registry of ~99 M persons,
each page one indexed range scan, and a page does not shift while the registry is read."""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.utils.urls import replace_query_param

from dtks.core.keyset import Keyset
from dtks.registry.selectors import FAMILY_ORDER, PERSON_ORDER

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


class KeysetPagination(RegistryCursorPagination):
    """Paging in a list's own order over several columns (dtks.core.keyset), which DRF's cursor (one
    position column and an offset) cannot do without reading the rows before the page: the page's
    order and the API's are one, served by one index. The response keeps DRF's shape (`next`,
    `previous`, `results`) and its `cursor` parameter; the cursors are the pages' own."""

    keyset: Keyset

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.base_url = request.build_absolute_uri()
        cursor = request.query_params.get(self.cursor_query_param, "")
        if cursor and self.keyset.decode(queryset.model, cursor) is None:
            raise self._invalid()
        self.page = self.keyset.page(queryset, cursor, size=self.page_size)
        return self.page.rows

    def _link(self, cursor: str) -> str | None:
        return replace_query_param(self.base_url, self.cursor_query_param, cursor) if cursor else None

    def get_next_link(self):
        return self._link(self.page.next_cursor)

    def get_previous_link(self):
        return self._link(self.page.previous_cursor)


class PersonCursorPagination(KeysetPagination):
    keyset = PERSON_ORDER


class FamilyCursorPagination(KeysetPagination):
    keyset = FAMILY_ORDER
