"""`manage.py seed_demo` carries the Sleman families to the ministry (issue 16): verified, sent,
one disputed by DI Yogyakarta and the rest forwarded; the ministry accepts two at once, returns two with
the criteria and a note, one of which the Sleman verifier corrects (it comes back as verified), and one
with a finding waits in the assessment queue; each demo user logs in to that work. A rerun adds nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from determination.models import Assessment
from dtks.accounts.demo import REGENCY as SLEMAN
from dtks.accounts.models import Role, User
from proposals.item import ProposalItem
from tests.conftest import otp_force_login

pytestmark = pytest.mark.django_db
S = ProposalItem.State


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def sees(role: str, region: str, url: str) -> str:
    c = Client()
    otp_force_login(c, User.objects.get(is_demo=True, role=role, region_code=region))
    response = c.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_seed_demo_gives_the_ministry_and_sleman_work_in_progress(settings, tmp_path, media):
    settings.VAR_DIR = tmp_path
    out = seed()
    assert "Penilaian demo dibuat" in out, out
    sleman = ProposalItem.objects.filter(village_code__startswith=SLEMAN, channel="musyawarah")
    states = sorted(sleman.values_list("state", flat=True))
    assert states == sorted(
        [S.DISPUTED, S.ACCEPTED, S.ACCEPTED, S.RETURNED_TO_REGENCY, S.VERIFIED, S.FORWARDED]
    )
    assert Assessment.objects.filter(decision="accept").exclude(bulk_key="").count() == 2
    returned = Assessment.objects.filter(decision="return")
    assert returned.count() == 2 and all(a.rule_codes == ["INCOMPLETE"] for a in returned)
    came_back = sleman.get(state=S.VERIFIED)
    assert came_back.ever_returned_to_regency and came_back.alamat.startswith("Padukuhan Karangmloko RT 02")
    waiting = sleman.get(state=S.FORWARDED)
    assert waiting.findings and waiting.overrides  # the regency's override reason, for the ministry to weigh

    queue = sees(Role.MINISTRY_DATA_OFFICER, "", "/penilaian/")
    assert f'data-item="{waiting.pk}"' in queue
    own = sees(Role.MINISTRY_DATA_OFFICER, "", "/penilaian/?tab=verval")
    assert "data-item=" in own  # stage 1's elder without a NIK, verified by the ministry itself
    back = sees(Role.REGENCY_VERIFIER, SLEMAN, "/verval/?tab=dikembalikan")
    assert f'data-item="{sleman.get(state=S.RETURNED_TO_REGENCY).pk}"' in back
    timeline = sees(Role.REGENCY_VERIFIER, SLEMAN, f"/verval/usulan/{came_back.pk}/")
    assert (
        'data-transition="return_to_regency"' in timeline
        and 'data-transition="correct_after_return"' in timeline
    )

    before = ProposalItem.objects.count(), Assessment.objects.count()
    seed()
    assert (ProposalItem.objects.count(), Assessment.objects.count()) == before
