"""What the item review shows (page and API alike): the proposed content beside the current registry
record (changed fields marked), the findings with their messages (civil-registry ones with their
comparison), and the history across stages. Reads only through scoped selectors: the item through
`verval_items_visible_to`'s base (`proposal_items_visible_to`), the record through the registry's."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from dtks.accounts.scope import FULL_NIK_ROLES
from dtks.civil.comparison import is_civil
from dtks.regions.selectors import region_labels
from dtks.registry.fields import HOUSE_FIELDS, SEX_LABELS, label
from dtks.registry.masking import mask_id
from dtks.registry.models import Finding, MembershipVersion
from dtks.registry.selectors import families_visible_to, persons_visible_to
from proposals.item import ProposalItem, Timeline, proposal_item_timeline, proposal_items_visible_to

FAMILY_COMPARED = ("no_kk", "rt", "rw", "alamat", *HOUSE_FIELDS)
PERSON_COMPARED = (
    "nama",
    "nik",
    "tempat_lahir",
    "tanggal_lahir",
    "jenis_kelamin",
    "status_perkawinan",
    "hubungan_keluarga",
)
MASKED = ("no_kk", "nik")


@dataclass
class Review:
    item: ProposalItem
    full: bool
    region: str = ""
    has_record: bool = False  # a current registry record to compare with (in the reader's scope)
    record_out_of_scope: bool = False
    family: list[dict] = field(default_factory=list)
    persons: list[dict] = field(default_factory=list)  # {"name", "new", "rows": [...]}
    findings: list[dict] = field(default_factory=list)
    history: list[dict] = field(default_factory=list)
    timeline: Timeline | None = None

    @property
    def civil(self) -> list[dict]:
        return [f for f in self.findings if f["civil"]]

    @property
    def changed(self) -> int:
        return sum(r["changed"] for r in self.family) + sum(
            r["changed"] for p in self.persons for r in p["rows"]
        )


def review_item(*, user, pk: int) -> ProposalItem | None:
    """The item if the user may see it (None otherwise: the caller answers 404)."""
    return proposal_items_visible_to(user=user).filter(pk=pk).select_related("pair").first()


def _shown(name: str, value, full: bool) -> str:
    if value in (None, "", []):
        return ""
    if name in MASKED and not full:
        return mask_id(str(value))
    if name == "jenis_kelamin":
        return str(SEX_LABELS.get(value, value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _row(name: str, proposed, current, *, full: bool, compared: bool) -> dict:
    p, c = _shown(name, proposed, full), _shown(name, current, full)
    return {
        "field": name,
        "label": label(name),
        "proposed": p,
        "current": c,
        "changed": compared and (proposed or "") != (current or ""),
    }


def build_review(*, user, item: ProposalItem) -> Review:
    full = user.role in FULL_NIK_ROLES
    review = Review(item=item, full=full)
    review.region = region_labels([item.village_code]).get(item.village_code, item.village_code)
    persons = list(item.persons.all())
    # The current record: the family the item targets, and the registered persons it names.
    family = None
    if item.target_family_id:
        family = families_visible_to(user=user).filter(family_id=item.target_family_id).first()
    person_ids = [p.target_person_id for p in persons if p.target_person_id]
    if item.target_person_id:
        person_ids.append(item.target_person_id)
    current = {}
    relationship = {}
    if person_ids:
        current = {p.person_id: p for p in persons_visible_to(user=user).filter(person_id__in=person_ids)}
        relationship = dict(
            MembershipVersion.objects.current()
            .filter(person_id__in=list(current))
            .values_list("person_id", "hubungan_keluarga")
        )
    targets = bool(item.target_family_id or person_ids)
    review.has_record = family is not None or bool(current)
    review.record_out_of_scope = targets and not review.has_record
    compared = family is not None
    house = item.house or {}
    for name in FAMILY_COMPARED:
        proposed = house.get(name, "") if name in HOUSE_FIELDS else getattr(item, name)
        now = getattr(family, name, "") if family is not None else ""
        if proposed or now:
            review.family.append(_row(name, proposed, now, full=full, compared=compared))
    for p in persons:
        record = current.get(p.target_person_id or item.target_person_id or 0)
        rows = []
        for name in PERSON_COMPARED:
            proposed = getattr(p, name)
            if record is None:
                now = ""
            elif name == "hubungan_keluarga":
                now = relationship.get(record.person_id, "")
            else:
                now = getattr(record, name)
            if proposed or now:
                rows.append(_row(name, proposed, now, full=full, compared=record is not None))
        review.persons.append({"name": p.nama, "new": record is None, "position": p.position, "rows": rows})
    names = {p.position: p.nama for p in persons}
    review.findings = [
        {
            "rule": f.get("rule", ""),
            "rule_label": Finding.rule_label(f.get("rule")),
            "message": f.get("message", ""),
            "fields": [label(x) for x in (f.get("fields") or ([f["field"]] if f.get("field") else []))],
            "person": names.get(f.get("person"), "") if f.get("person") is not None else "",
            "civil": f if is_civil(f) else None,
        }
        for f in item.findings or []
    ]
    review.timeline = proposal_item_timeline(user=user, item=item)
    review.history = [
        {
            "at": h.at,
            "transition": h.transition,
            "label": h.label,
            "from_state": h.from_state,
            "to_state": h.to_state,
            "to_label": h.to_label,
            "stage": h.stage,
            "stage_label": h.stage_label,
            "actor": h.actor,
            "reason": h.reason,
        }
        for h in review.timeline.steps
    ]
    return review


def half_label(item: ProposalItem) -> str:
    if item.kind not in (ProposalItem.Kind.REPLACEMENT, ProposalItem.Kind.TRANSFER):
        return ""
    out = item.target_family_id is not None or item.target_person_id is not None
    if item.kind == ProposalItem.Kind.TRANSFER:
        return _("keberangkatan") if out else _("kedatangan")
    return _("keluar") if out else _("masuk")
