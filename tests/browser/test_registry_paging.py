"""The person list's keyset pages in Debian's Chromium at 360 px (issue 14): a village operator pages
through 130 persons of the village with the page's own links — next, next, back, first — each page in
the list's order, no row twice, no row missing, and the address carries a cursor, never a NIK."""

import pytest

from dtks.registry.models import PersonVersion
from tests.harness.world import HOME_VILLAGE, build_world
from tests.pages.registry import PersonsPage

from .test_roles import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_next_previous_and_first_page(page, base_url, outside_requests):
    world = build_world()
    own = world.households[HOME_VILLAGE]
    head = PersonVersion.objects.current().get(person_id=own.head.person_id)
    PersonVersion.objects.bulk_create(
        PersonVersion(
            batch_id=head.batch_id,
            valid_from=head.valid_from,
            published=True,
            person_id=900_000 + n,
            nik=f"3371011010{n:06d}",
            nama=f"Warga {n:03d}",
            village_code=HOME_VILLAGE,
        )
        for n in range(130)
    )
    expected = list(
        PersonVersion.objects.current()
        .filter(village_code=HOME_VILLAGE)
        .order_by("nama", "person_id")
        .values_list("nama", flat=True)
    )
    sign_in(page, base_url, world.actor("village_operator"))
    persons = PersonsPage(page, base_url).open()
    first = persons.row_names()
    assert persons.page_links() == ["Berikutnya"] and len(first) == 50
    second = persons.go("Berikutnya").row_names()
    assert "cursor=" in page.url and persons.page_links() == ["Halaman pertama", "Sebelumnya", "Berikutnya"]
    rest = []
    while "Berikutnya" in persons.page_links():
        rest += persons.go("Berikutnya").row_names()
    assert first + second + rest == expected
    assert persons.go("Sebelumnya").row_names() == expected[-len(rest) - 50 : -len(rest)]
    assert persons.go("Halaman pertama").row_names() == first and persons.page_links() == ["Berikutnya"]
    assert not any(p.nik in page.url for p in own.persons)
    assert not persons.has_horizontal_scroll()
    page.screenshot(path="/tmp/registri-orang-halaman.png", full_page=True)
    assert outside_requests == []
