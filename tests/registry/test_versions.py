"""Registry versions (docs/design.md §5): content never changes; the database refuses it."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError

from dtks.registry.models import MembershipVersion, PersonVersion

from .factories import PERIOD, batch, family, member, person

pytestmark = pytest.mark.django_db

NEXT = PERIOD.replace(month=11)


def refused(sql: str, params=None) -> str:
    with pytest.raises(DatabaseError) as exc, transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, params)
    return str(exc.value)


def test_content_update_is_refused():
    p = person(batch(), person_id=1, nama="Asli")
    assert "tidak boleh diubah" in refused(
        "UPDATE registry_personversion SET nama = 'Palsu' WHERE id = %s", [p.pk]
    )
    p.refresh_from_db()
    assert p.nama == "Asli"


def test_valid_to_is_set_once():
    p = person(batch(), person_id=1)
    with connection.cursor() as cur:
        cur.execute("UPDATE registry_personversion SET valid_to = %s WHERE id = %s", [NEXT, p.pk])
    assert "hanya boleh diisi sekali" in refused(
        "UPDATE registry_personversion SET valid_to = %s WHERE id = %s", [NEXT.replace(month=12), p.pk]
    )
    assert "hanya boleh diisi sekali" in refused(
        "UPDATE registry_personversion SET valid_to = NULL WHERE id = %s", [p.pk]
    )


def test_published_only_from_false_to_true():
    p = person(batch(), person_id=1, published=False)
    with connection.cursor() as cur:
        cur.execute("UPDATE registry_personversion SET published = true WHERE id = %s", [p.pk])
    assert "false ke true" in refused(
        "UPDATE registry_personversion SET published = false WHERE id = %s", [p.pk]
    )


def test_delete_only_unpublished():
    b = batch()
    draft = person(b, person_id=1, published=False)
    final = person(b, person_id=2, published=True)
    with connection.cursor() as cur:
        cur.execute("DELETE FROM registry_personversion WHERE id = %s", [draft.pk])
    assert "tidak boleh dihapus" in refused("DELETE FROM registry_personversion WHERE id = %s", [final.pk])
    assert list(PersonVersion.objects.values_list("person_id", flat=True)) == [2]


@pytest.mark.parametrize(
    "table",
    [
        "registry_personversion",
        "registry_familyversion",
        "registry_membershipversion",
        "registry_groupversion",
        "registry_groupmemberversion",
    ],
)
def test_truncate_needs_the_test_switch(table):
    with connection.cursor() as cur:
        cur.execute("SHOW dtks.allow_truncate")
        assert cur.fetchone()[0] == "on"  # only the test settings set it
    assert "TRUNCATE" in refused(f"SET LOCAL dtks.allow_truncate = off; TRUNCATE {table}")


def test_one_active_family_per_person():
    b = batch()
    family(b, family_id=1, no_kk="3371011201100003")
    family(b, family_id=2, no_kk="3371011201100004")
    member(b, family_id=1, person_id=7, hubungan_keluarga="ANAK")
    # An unpublished membership (a run being computed) may coexist with the published one.
    member(b, family_id=2, person_id=7, published=False, hubungan_keluarga="KEPALA KELUARGA")
    with pytest.raises(IntegrityError), transaction.atomic():
        member(b, family_id=2, person_id=7, hubungan_keluarga="KEPALA KELUARGA")
    # Closing the old membership frees the person for the new family.
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE registry_membershipversion SET valid_to = %s WHERE person_id = 7 AND published", [NEXT]
        )
        cur.execute(
            "UPDATE registry_membershipversion SET published = true WHERE person_id = 7 AND NOT published"
        )
    assert MembershipVersion.objects.current().get(person_id=7).family_id == 2


def test_current_and_as_of():
    b = batch()
    old = person(b, person_id=1, nama="Lama")
    with connection.cursor() as cur:
        cur.execute("UPDATE registry_personversion SET valid_to = %s WHERE id = %s", [NEXT, old.pk])
    person(batch(period=NEXT), person_id=1, nama="Baru")
    assert list(PersonVersion.objects.current().values_list("nama", flat=True)) == ["Baru"]
    assert list(PersonVersion.objects.as_of(PERIOD).values_list("nama", flat=True)) == ["Lama"]
    assert list(PersonVersion.objects.as_of(NEXT).values_list("nama", flat=True)) == ["Baru"]
    # Unpublished versions are invisible to every reader.
    person(b, person_id=3, nama="Draf", published=False)
    assert not PersonVersion.objects.current().filter(nama="Draf").exists()
