"""Issue 14, "Decisions": the regency verifier verifies (as is or with corrections), returns or rejects
an item, one or many; findings need override reasons; two verifiers at once — one wins; the village
reads the decision and is notified; the API offers the same decisions."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client

from dtks.accounts.models import Role
from dtks.core.models import Notification
from proposals.item import AlreadyDecided, ProposalItem, ProposalItemHistory, proposal_item_create
from proposals.musyawarah.services import musyawarah_submit
from tests.conftest import otp_force_login
from tests.proposals.factories import VILLAGE_A, VILLAGE_B, item, user, users
from tests.proposals.flow import held_musyawarah, new_family
from verification import services
from verification.models import BulkDecision, VervalDecision
from verification.services import ItemNotFound, verval_decide, verval_decide_bulk

pytestmark = pytest.mark.django_db
S = ProposalItem.State
FINDINGS = [
    {"rule": "DUPLICATE_NIK", "fields": ["nik"], "person": 0, "message": "NIK ganda."},
    {"rule": "INCOMPLETE", "fields": ["alamat"], "message": "Alamat kosong."},
]


@pytest.fixture
def u():
    return users()


def client_for(person) -> Client:
    c = Client()
    otp_force_login(c, person)
    return c


def submitted_family(u):
    """A real musyawarah item with two persons, submitted by its village (services all the way)."""
    m = held_musyawarah(u["village"])
    family, persons = new_family(VILLAGE_A)
    obj = proposal_item_create(
        actor=u["village"], kind="addition", musyawarah_id=m.pk, family=family, persons=persons
    )
    musyawarah_submit(musyawarah_id=m.pk, actor=u["village"])
    obj.refresh_from_db()
    assert obj.state == S.SUBMITTED
    return obj, family, persons


# ---- one item ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decision", "extra", "state"),
    [
        ("verify", {}, S.VERIFIED),
        ("return", {"reason": "KK belum dilampirkan."}, S.RETURNED_TO_VILLAGE),
        ("reject", {"reason_code": "data_ganda"}, S.REJECTED),
    ],
)
def test_each_decision_moves_the_item_and_is_recorded(u, decision, extra, state):
    obj = item(S.SUBMITTED)
    record = verval_decide(item_id=obj.pk, decision=decision, actor=u["regency"], note="Dikunjungi.", **extra)
    obj.refresh_from_db()
    assert obj.state == state
    assert (record.item_id, record.decision, record.note, record.decided_by) == (
        obj.pk,
        decision,
        "Dikunjungi.",
        u["regency"],
    )
    row = ProposalItemHistory.objects.get(item=obj, to_state=state)
    assert row.detail["stage"] == "verification"
    assert row.detail["verval_decision"] == record.pk


def test_reject_reads_its_code_and_reason(u):
    obj = item(S.SUBMITTED)
    verval_decide(
        item_id=obj.pk, decision="reject", actor=u["regency"], reason_code="meninggal", reason="Wafat 2026."
    )
    obj.refresh_from_db()
    assert obj.last_reason == "Meninggal dunia: Wafat 2026."
    assert ProposalItemHistory.objects.get(item=obj, to_state=S.REJECTED).detail["reason_code"] == "meninggal"


@pytest.mark.parametrize(
    ("decision", "extra", "field"),
    [
        ("return", {}, "reason"),
        ("reject", {}, "reason_code"),
        ("reject", {"reason_code": "bukan-kode"}, "reason_code"),
        ("reject", {"reason_code": "lainnya"}, "reason"),
        ("verify", {"reason_code": "data_ganda"}, "reason_code"),
        ("menyetujui", {}, "decision"),
        ("verify_corrected", {}, "corrections"),
        ("verify", {"corrections": {"persons": []}}, "corrections"),
    ],
)
def test_bad_input_is_refused_naming_the_field(u, decision, extra, field):
    obj = item(S.SUBMITTED)
    with pytest.raises(ValidationError) as exc:
        verval_decide(item_id=obj.pk, decision=decision, actor=u["regency"], **extra)
    assert field in exc.value.message_dict
    obj.refresh_from_db()
    assert obj.state == S.SUBMITTED
    assert not VervalDecision.objects.exists()


def test_wrong_role_and_out_of_scope_are_refused(u):
    obj = item(S.SUBMITTED)
    with pytest.raises(PermissionDenied):
        verval_decide(item_id=obj.pk, decision="verify", actor=u["supervisor"])
    with pytest.raises(ItemNotFound):
        verval_decide(item_id=obj.pk, decision="verify", actor=u["other_regency"])
    with pytest.raises(ItemNotFound):
        verval_decide(item_id=obj.pk, decision="verify", actor=u["other_province"])
    obj.refresh_from_db()
    assert obj.state == S.SUBMITTED
    assert not VervalDecision.objects.exists()


def test_wrong_state_and_already_decided(u):
    draft = item(S.DRAFT)
    with pytest.raises(ValidationError, match="Diajukan"):
        verval_decide(item_id=draft.pk, decision="verify", actor=u["regency"])
    done = item(S.SUBMITTED)
    verval_decide(item_id=done.pk, decision="verify", actor=u["regency"])
    for decision, extra in (("verify", {}), ("return", {"reason": "x"})):
        with pytest.raises(AlreadyDecided, match="sudah diputuskan"):
            verval_decide(item_id=done.pk, decision=decision, actor=u["regency"], **extra)
    assert VervalDecision.objects.filter(item=done).count() == 1


def test_a_self_registration_cannot_be_returned_to_a_village(u):
    obj = item(S.SUBMITTED, channel=ProposalItem.Channel.SELF_REGISTRATION)
    with pytest.raises(ValidationError, match="musyawarah"):
        verval_decide(item_id=obj.pk, decision="return", actor=u["regency"], reason="x")


def test_findings_need_an_override_reason_per_rule(u):
    obj = item(S.SUBMITTED, findings=FINDINGS)
    with pytest.raises(ValidationError) as exc:
        verval_decide(item_id=obj.pk, decision="verify", actor=u["regency"])
    assert set(exc.value.message_dict) == {"overrides.DUPLICATE_NIK", "overrides.INCOMPLETE"}
    assert "DUPLICATE_NIK" in exc.value.message_dict["overrides.DUPLICATE_NIK"][0]
    with pytest.raises(ValidationError) as exc:
        verval_decide(
            item_id=obj.pk,
            decision="verify",
            actor=u["regency"],
            overrides={"DUPLICATE_NIK": "Sudah dicek ke Dukcapil.", "INCOMPLETE": "  "},
        )
    assert set(exc.value.message_dict) == {"overrides.INCOMPLETE"}
    with pytest.raises(ValidationError) as exc:
        verval_decide(
            item_id=obj.pk,
            decision="verify",
            actor=u["regency"],
            overrides={"DUPLICATE_NIK": "a", "INCOMPLETE": "b", "NIK_PENDING": "c"},
        )
    assert set(exc.value.message_dict) == {"overrides.NIK_PENDING"}
    overrides = {"DUPLICATE_NIK": "Sudah dicek ke Dukcapil.", "INCOMPLETE": "Alamat dicatat saat kunjungan."}
    record = verval_decide(item_id=obj.pk, decision="verify", actor=u["regency"], overrides=overrides)
    obj.refresh_from_db()
    assert (obj.state, obj.overrides, record.overrides) == (S.VERIFIED, overrides, overrides)
    assert ProposalItemHistory.objects.get(item=obj, to_state=S.VERIFIED).detail["overrides"] == overrides


def test_returning_or_rejecting_an_item_with_findings_needs_no_override(u):
    obj = item(S.SUBMITTED, findings=FINDINGS)
    verval_decide(item_id=obj.pk, decision="return", actor=u["regency"], reason="Periksa NIK ganda.")
    obj.refresh_from_db()
    assert obj.state == S.RETURNED_TO_VILLAGE


def test_verify_with_corrections_records_the_diff_and_the_village_sees_it(u):
    obj, family, persons = submitted_family(u)
    persons[1]["nama"] = "Rini Baru Lestari"
    record = verval_decide(
        item_id=obj.pk,
        decision="verify_corrected",
        actor=u["regency"],
        reason="Sesuai KK asli saat kunjungan.",
        corrections={"family": {**family, "rt": "5"}, "persons": persons},
        overrides={r: "Dicek saat kunjungan." for r in {f["rule"] for f in obj.findings or []}} or None,
    )
    obj.refresh_from_db()
    assert obj.state == S.VERIFIED
    assert (obj.rt, obj.persons.get(position=1).nama) == ("005", "Rini Baru Lestari")
    diff = {"rt": ["003", "005"], "persons": {"1": {"nama": ["Rini Baru", "Rini Baru Lestari"]}}}
    assert record.diff == diff
    correct = ProposalItemHistory.objects.get(item=obj, transition="correct")
    assert correct.detail == {"stage": "verification", "diff": diff}
    # The village's own item page shows the correction, the decision and its reason.
    page = client_for(u["village"]).get(f"/usulan/item/{obj.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Sesuai KK asli saat kunjungan." in html
    assert "diperbaiki isinya oleh verifikator" in html
    assert "diverifikasi" in html
    note = Notification.objects.get(kind="verified_corrected")
    assert (note.audience_role, note.region_code, note.url) == (
        Role.VILLAGE_OPERATOR,
        VILLAGE_A,
        f"/usulan/item/{obj.pk}/",
    )


def test_a_correction_with_bad_values_names_the_field_and_changes_nothing(u):
    obj, family, persons = submitted_family(u)
    persons[0]["nama"] = ""
    with pytest.raises(ValidationError) as exc:
        verval_decide(
            item_id=obj.pk,
            decision="verify_corrected",
            actor=u["regency"],
            corrections={"family": family, "persons": persons},
        )
    assert "corrections.persons.0.nama" in exc.value.message_dict
    obj.refresh_from_db()
    assert obj.state == S.SUBMITTED
    assert not ProposalItemHistory.objects.filter(item=obj, transition="correct").exists()


def test_the_village_reads_the_reason_and_is_notified(u):
    obj = item(S.SUBMITTED)
    verval_decide(item_id=obj.pk, decision="return", actor=u["regency"], reason="Foto KK buram.")
    note = Notification.objects.get(kind="returned_to_village")
    assert (note.audience_role, note.region_code) == (Role.VILLAGE_OPERATOR, VILLAGE_A)
    other = item(S.SUBMITTED)
    verval_decide(item_id=other.pk, decision="reject", actor=u["regency"], reason_code="pindah")
    assert Notification.objects.filter(kind="rejected", region_code=VILLAGE_A).count() == 1
    html = client_for(u["village"]).get(f"/usulan/item/{obj.pk}/").content.decode()
    assert "Foto KK buram." in html


def test_an_idempotency_key_replays_the_first_decision(u):
    obj = item(S.SUBMITTED)
    first = verval_decide(item_id=obj.pk, decision="verify", actor=u["regency"], idempotency_key="k-1")
    again = verval_decide(item_id=obj.pk, decision="verify", actor=u["regency"], idempotency_key="k-1")
    assert first.pk == again.pk
    assert VervalDecision.objects.count() == 1


# ---- two verifiers at once -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("decisions", [("verify", "reject"), ("verify", "verify")])
def test_two_verifiers_at_once_exactly_one_succeeds(decisions):
    first = user(Role.REGENCY_VERIFIER, "3371", "verval1")
    second = user(Role.REGENCY_VERIFIER, "3371", "verval2")
    obj = item(S.SUBMITTED)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(actor, decision):
        try:
            barrier.wait(timeout=10)
            verval_decide(
                item_id=obj.pk,
                decision=decision,
                actor=actor,
                reason_code="data_ganda" if decision == "reject" else "",
            )
            outcomes.append("ok")
        except AlreadyDecided:
            outcomes.append("already decided")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(first, decisions[0])),
        threading.Thread(target=decide, args=(second, decisions[1])),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["already decided", "ok"]
    assert VervalDecision.objects.filter(item_id=obj.pk).count() == 1
    assert ProposalItemHistory.objects.filter(item_id=obj.pk).count() == 1


# ---- many items ----------------------------------------------------------------------------------


def test_bulk_decides_items_without_findings_and_reports_the_others(u):
    plain = [item(S.SUBMITTED) for _ in range(3)]
    flagged = item(S.SUBMITTED, findings=FINDINGS)
    decided = item(S.VERIFIED)
    foreign = item(S.SUBMITTED, village="3308012001")
    sibling = item(S.SUBMITTED, village=VILLAGE_B)
    job = verval_decide_bulk(
        actor=u["regency"],
        decision="return",
        reason="Lengkapi foto rumah.",
        item_ids=[o.pk for o in (*plain, flagged, decided, foreign, sibling)],
    )
    assert job.status == BulkDecision.Status.DONE
    assert sorted(job.changed) == sorted([o.pk for o in (*plain, sibling)])
    assert job.skipped == {
        str(flagged.pk): services.HAS_FINDINGS,
        str(decided.pk): "sudah diputuskan",
        str(foreign.pk): "tidak ditemukan",
    }
    assert VervalDecision.objects.filter(bulk=job).count() == 4
    assert ProposalItem.objects.filter(state=S.RETURNED_TO_VILLAGE).count() == 4
    # One notification per village.
    assert sorted(
        Notification.objects.filter(kind="returned_to_village").values_list("region_code", "count")
    ) == [(VILLAGE_A, 3), (VILLAGE_B, 1)]


def test_bulk_on_a_filter_result_and_refusals(u):
    own = [item(S.SUBMITTED) for _ in range(2)]
    item(S.SUBMITTED, village=VILLAGE_B)
    job = verval_decide_bulk(
        actor=u["regency"],
        decision="reject",
        reason_code="tidak_memenuhi_kriteria",
        filters={"desa": VILLAGE_A},
    )
    assert sorted(job.changed) == sorted(o.pk for o in own)
    with pytest.raises(PermissionDenied):
        verval_decide_bulk(actor=u["supervisor"], decision="verify", item_ids=[own[0].pk])
    with pytest.raises(ValidationError) as exc:
        verval_decide_bulk(actor=u["regency"], decision="verify_corrected", item_ids=[own[0].pk])
    assert "decision" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        verval_decide_bulk(actor=u["regency"], decision="return", item_ids=[own[0].pk])
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        verval_decide_bulk(actor=u["regency"], decision="verify", item_ids=[])
    assert "item_ids" in exc.value.message_dict


def test_a_large_bulk_runs_as_a_task_in_chunks(u, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "BULK_ASYNC_THRESHOLD", 3)
    monkeypatch.setattr(services, "BULK_CHUNK", 2)
    sent = []
    from verification import tasks

    monkeypatch.setattr(tasks.bulk_decide, "delay", lambda pk: sent.append(pk))
    objs = [item(S.SUBMITTED) for _ in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        job = verval_decide_bulk(actor=u["regency"], decision="verify", item_ids=[o.pk for o in objs])
    assert job.running and sent == [job.pk]
    tasks.bulk_decide(job.pk)
    job.refresh_from_db()
    assert (job.status, job.done, job.percent, len(job.changed)) == (BulkDecision.Status.DONE, 5, 100, 5)
    page = client_for(u["supervisor"]).get(f"/verval/keputusan-massal/{job.pk}/")
    assert page.status_code == 200 and "5 dari 5 usulan diputuskan" in page.content.decode()


# ---- pages ---------------------------------------------------------------------------------------


def test_the_decision_page_shows_a_box_per_finding_and_decides(u):
    obj = item(S.SUBMITTED, findings=FINDINGS)
    c = client_for(u["regency"])
    page = c.get(f"/verval/usulan/{obj.pk}/putuskan/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="override_DUPLICATE_NIK"' in html and 'name="override_INCOMPLETE"' in html
    refused = c.post(f"/verval/usulan/{obj.pk}/putuskan/", {"decision": "verify"})
    assert refused.status_code == 400
    assert "DUPLICATE_NIK" in refused.content.decode()
    done = c.post(
        f"/verval/usulan/{obj.pk}/putuskan/",
        {"decision": "verify", "override_DUPLICATE_NIK": "Dicek.", "override_INCOMPLETE": "Dicek."},
    )
    assert (done.status_code, done["Location"]) == (302, f"/verval/usulan/{obj.pk}/")
    obj.refresh_from_db()
    assert obj.state == S.VERIFIED
    again = c.post(f"/verval/usulan/{obj.pk}/putuskan/", {"decision": "reject", "reason_code": "pindah"})
    assert again.status_code == 409
    assert "sudah diputuskan" in again.content.decode()


def test_the_decision_page_corrects_an_item(u):
    obj, _family, _persons = submitted_family(u)
    c = client_for(u["regency"])
    html = c.get(f"/verval/usulan/{obj.pk}/putuskan/").content.decode()
    assert 'name="p1_nama"' in html and 'value="Rini Baru"' in html
    data = {
        "decision": "verify_corrected",
        "reason": "Nama sesuai KTP.",
        "family_no_kk": obj.no_kk,
        "family_rt": obj.rt,
        "family_rw": obj.rw,
        "family_alamat": obj.alamat,
    }
    for i, p in enumerate(obj.persons.order_by("position")):
        data.update(
            {
                f"p{i}_nama": p.nama,
                f"p{i}_nik": p.nik,
                f"p{i}_tempat_lahir": p.tempat_lahir,
                f"p{i}_tanggal_lahir": p.tanggal_lahir.isoformat(),
                f"p{i}_jenis_kelamin": p.jenis_kelamin,
            }
        )
    for f in obj.findings or []:
        data[f"override_{f['rule']}"] = "Dicek."
    data["p1_nama"] = "Rini Baru Lestari"
    response = c.post(f"/verval/usulan/{obj.pk}/putuskan/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    obj.refresh_from_db()
    assert (obj.state, obj.persons.get(position=1).nama) == (S.VERIFIED, "Rini Baru Lestari")


def test_the_bulk_page_decides_a_selection(u):
    objs = [item(S.SUBMITTED) for _ in range(2)]
    c = client_for(u["regency"])
    response = c.post(
        "/verval/keputusan-massal/",
        {"item": [o.pk for o in objs], "decision": "reject", "reason_code": "data_ganda"},
    )
    job = BulkDecision.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/verval/keputusan-massal/{job.pk}/")
    assert ProposalItem.objects.filter(state=S.REJECTED).count() == 2
    refused = c.post("/verval/keputusan-massal/", {"item": [objs[0].pk], "decision": "return"})
    assert refused.status_code == 400


# ---- API -----------------------------------------------------------------------------------------


def test_api_decides_and_answers_400_and_409(u):
    obj = item(S.SUBMITTED, findings=FINDINGS)
    c = client_for(u["regency"])
    url = f"/api/v1/verval/usulan/{obj.pk}/keputusan/"
    bad = c.post(url, {"decision": "verify"}, content_type="application/json")
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"overrides.DUPLICATE_NIK", "overrides.INCOMPLETE"}
    bad = c.post(url, {"decision": "nope", "overrides": "x"}, content_type="application/json")
    assert bad.status_code == 400 and {"decision", "overrides"} <= set(bad.json()["errors"])
    ok = c.post(
        url,
        {"decision": "verify", "overrides": {"DUPLICATE_NIK": "a", "INCOMPLETE": "b"}},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="abc-1",
    )
    assert ok.status_code == 201 and ok.json()["decision"] == "verify"
    replay = c.post(
        url,
        {"decision": "verify", "overrides": {"DUPLICATE_NIK": "a", "INCOMPLETE": "b"}},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="abc-1",
    )
    assert replay.status_code == 201 and replay.json()["id"] == ok.json()["id"]
    conflict = c.post(url, {"decision": "return", "reason": "x"}, content_type="application/json")
    assert conflict.status_code == 409
    assert "sudah diputuskan" in conflict.content.decode()
    foreign = item(S.SUBMITTED, village="3308012001")
    assert (
        c.post(
            f"/api/v1/verval/usulan/{foreign.pk}/keputusan/",
            {"decision": "verify"},
            content_type="application/json",
        ).status_code
        == 404
    )


def test_api_bulk_and_its_progress(u):
    objs = [item(S.SUBMITTED) for _ in range(2)]
    c = client_for(u["regency"])
    response = c.post(
        "/api/v1/verval/keputusan-massal/",
        {"decision": "verify", "item_ids": [o.pk for o in objs]},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert sorted(body["changed"]) == sorted(o.pk for o in objs) and body["status"] == "done"
    detail = c.get(f"/api/v1/verval/keputusan-massal/{body['id']}/")
    assert detail.status_code == 200 and detail.json()["percent"] == 100
    other = client_for(u["other_regency"]).get(f"/api/v1/verval/keputusan-massal/{body['id']}/")
    assert other.status_code == 404
    both = c.post(
        "/api/v1/verval/keputusan-massal/",
        {"decision": "verify", "item_ids": [1], "filter": {"desa": VILLAGE_A}},
        content_type="application/json",
    )
    assert both.status_code == 400 and "item_ids" in both.json()["errors"]


def test_a_double_submitted_decision_form_decides_once(u):
    obj = item(S.SUBMITTED)
    c = client_for(u["regency"])
    html = c.get(f"/verval/usulan/{obj.pk}/putuskan/").content.decode()
    key = html.split('name="kunci" value="', 1)[1][:32]
    data = {"decision": "reject", "reason_code": "pindah", "kunci": key}
    first = c.post(f"/verval/usulan/{obj.pk}/putuskan/", data)
    assert first.status_code == 302
    # The form page now says the item is decided; a hostile key is simply not used.
    assert c.post(f"/verval/usulan/{obj.pk}/putuskan/", {**data, "kunci": "x" * 10_000}).status_code == 409
    assert VervalDecision.objects.filter(item=obj).count() == 1
