"""Items created by any channel — a page's or the API's new item, a ministry proposal, a self-registration,
a spreadsheet import — get their history and audit rows from one writer (proposals/item/history.py),
so the rows have one shape, whatever the state the item starts in."""

from datetime import date

import pytest

from dtks.accounts.models import Role
from dtks.audit.models import AuditEvent
from proposals.channels.ministry import MinistryReason, ministry_proposal_create
from proposals.channels.self_registration import Submission, self_registration_submit
from proposals.item import ProposalItem, ProposalItemHistory, proposal_item_create

from .factories import VILLAGE_A
from .test_import_files import family_rows
from .test_import_fix import preview
from .test_import_stage import run

pytestmark = pytest.mark.django_db

HISTORY_COLUMNS = ("transition", "from_state", "to_state", "actor_label", "reason")
AUDIT_KEYS = {"from", "to", "bulk", "channel", "kind"}


def shape(item: ProposalItem) -> tuple:
    """The creation's history row and audit row as kinds of values, not the values themselves."""
    history = ProposalItemHistory.objects.get(item=item, from_state="")
    audit = AuditEvent.objects.get(object_type="proposals.item", object_id=str(item.pk))
    assert history.transition == audit.action.removeprefix("proposal_item.")
    assert (history.to_state, audit.detail["to"], audit.detail["from"]) == (item.state, item.state, "")
    assert (history.detail["channel"], history.detail["kind"]) == (item.channel, item.kind)
    assert (audit.detail["channel"], audit.detail["kind"]) == (item.channel, item.kind)
    assert audit.region_code == item.village_code and audit.actor_label == history.actor_label
    return (
        tuple(type(getattr(history, c)).__name__ for c in HISTORY_COLUMNS),
        history.detail["stage"],
        set(audit.detail) >= AUDIT_KEYS,
        audit.object_type,
    )


def test_every_channel_writes_the_same_shape(world, import_dir):
    from .flow import held_musyawarah, new_family, operator

    op = operator(world)
    m = held_musyawarah(op)
    family, persons = new_family()
    made = {
        "page": proposal_item_create(
            actor=op, kind="addition", musyawarah_id=m.pk, family=family, persons=persons
        )
    }
    h = world.households[VILLAGE_A]
    out = proposal_item_create(
        actor=op,
        kind="replacement",
        musyawarah_id=m.pk,
        target_person_id=h.individual.person_id,
        deletion_reason="MENINGGAL",
        family=None,
        persons=[{"nama": "Pengganti", "tanggal_lahir": date(1990, 1, 1), "jenis_kelamin": "P"}],
    )
    made["pair_out"], made["pair_in"] = out, out.pair
    made["ministry"] = ministry_proposal_create(
        actor=world.users[(Role.MINISTRY_DATA_OFFICER, "")],
        reason=MinistryReason.DISASTER,
        village_code=VILLAGE_A,
        note="Banjir.",
        verifier=ProposalItem.Verifier.MINISTRY,
        persons=[{"nama": "Tanpa NIK", "jenis_kelamin": "L"}],
        alamat="Pengungsian",
    )
    applicant = persons[0] | {"nik": persons[0]["nik"][:-1] + "9"}
    made["self"], _ = self_registration_submit(
        submission=Submission(
            kind=ProposalItem.Kind.ADDITION,
            village_code=VILLAGE_A,
            no_kk="",
            rt="001",
            rw="002",
            alamat="Jl. Warga",
            phone="0812",
            note="",
            persons=[{k: v for k, v in applicant.items() if k != "hubungan_keluarga"}],
        ),
        form_key="bentuk",
    )
    importer = op
    from proposals.models import Musyawarah

    imported = Musyawarah.objects.create(
        village_code=VILLAGE_A,
        held_on=date(2026, 11, 2),
        place="Balai",
        led_by="Lurah",
        attendee_count=9,
        created_by=importer,
    )
    run(preview(imported, importer, family_rows(1)), importer)
    made["import"] = ProposalItem.objects.get(musyawarah=imported)
    shapes = {name: shape(obj) for name, obj in made.items()}
    assert len(set(shapes.values())) == 1, shapes
    transitions = {
        name: ProposalItemHistory.objects.get(item=obj, from_state="").transition
        for name, obj in made.items()
    }
    assert transitions == {
        "page": "create",
        "pair_out": "create",
        "pair_in": "create",
        "ministry": "ministry_propose",
        "self": "self_register",
        "import": "import",
    }
    # A pair's halves name each other; the import names its job.
    assert ProposalItemHistory.objects.get(item=out, from_state="").detail["pair"] == out.pair_id
    assert ProposalItemHistory.objects.get(item=made["import"]).detail["import"] > 0
