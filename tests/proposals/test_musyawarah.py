from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile

from dtks.audit.models import AuditEvent
from proposals.models import Musyawarah, ProposalItem
from proposals.musyawarah.services import musyawarah_hold, musyawarah_submit

from .factories import VILLAGE_A, item, users

pytestmark = pytest.mark.django_db


@pytest.fixture
def musyawarah(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    u = users()
    m = Musyawarah.objects.create(
        village_code=VILLAGE_A,
        held_on=date(2026, 11, 2),
        place="Balai kelurahan",
        led_by="Lurah",
        attendee_count=25,
        input_sources=["RT_RW", "PSKS"],
        created_by=u["village"],
    )
    return m, u


def test_hold_needs_minutes_then_submit_sends_the_draft_items(musyawarah):
    m, u = musyawarah
    drafts = [item(musyawarah=m), item(musyawarah=m)]
    withdrawn = item(ProposalItem.State.WITHDRAWN, musyawarah=m)
    with pytest.raises(ValidationError) as exc:
        musyawarah_hold(musyawarah_id=m.pk, actor=u["village"])
    assert "notulen" in str(exc.value)
    m.minutes.save("notulen.pdf", ContentFile(b"%PDF-1.4 notulen"), save=True)
    with pytest.raises(PermissionDenied):
        musyawarah_hold(musyawarah_id=m.pk, actor=u["sibling_village"])
    musyawarah_hold(musyawarah_id=m.pk, actor=u["village"])
    result = musyawarah_submit(musyawarah_id=m.pk, actor=u["village"])
    assert result.changed == sorted(d.pk for d in drafts)
    m.refresh_from_db()
    assert m.state == Musyawarah.State.SUBMITTED
    assert ProposalItem.objects.get(pk=withdrawn.pk).state == ProposalItem.State.WITHDRAWN
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "musyawarah.hold",
        "musyawarah.submit",
        "proposal_item.submit",
        "proposal_item.submit",
    ]


def test_submit_needs_held_state_and_items(musyawarah):
    m, u = musyawarah
    with pytest.raises(ValidationError, match="terlaksana"):
        musyawarah_submit(musyawarah_id=m.pk, actor=u["village"])
