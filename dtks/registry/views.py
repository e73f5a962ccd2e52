"""Registry pages: families and persons in the user's scope (lists, search, details).

Thin views over the scoped selectors: every read of registry rows starts from
`families_visible_to` / `persons_visible_to` (or `family_members`), so a row outside the scope is
never listed and its detail page answers 404. Lists mask NIK and KK for every role; a detail page
shows them in full only to `FULL_NIK_ROLES`, and writes one audit row per such view. The permission
table lets only `REGISTRY_ROLES` in (others get 403 before reaching these views).
"""

from datetime import date

from django.db.models import Case, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.http import Http404, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from dtks.accounts.scope import FULL_NIK_ROLES
from dtks.audit.services import audit_full_view
from dtks.core.keyset import Keyset
from dtks.regions.selectors import region_labels, region_path

from .codelists import SEED as CODE_SEED
from .fields import HEAD, HOUSE_FIELDS, SEX_LABELS, label
from .forms import AreaFilterForm, NumberSearchForm
from .masking import mask_id
from .models import Code, FamilyVersion, Finding, MembershipVersion, PersonVersion
from .panels import panels_for
from .selectors import (
    FAMILY_ORDER,
    PERSON_ORDER,
    families_visible_to,
    family_list_visible_to,
    family_members,
    findings_visible_to,
    person_list_visible_to,
    persons_visible_to,
)

PAGE_SIZE = 50
# A NIK/KK search finds a family or a handful of persons; more than this means something is odd.
NUMBER_RESULTS_MAX = 50
RELATIONSHIP_ORDER = [code for code, _label in CODE_SEED["hubungan_keluarga"]]

# The integrity rules (Finding.Rule) in the reader's language.


def code_labels(*lists: str) -> dict[tuple[str, str], str]:
    """(list, code) -> label for the given code lists, in one query (code lists are data)."""
    return {
        (c.list, c.code): c.label for c in Code.objects.filter(list__in=lists).only("list", "code", "label")
    }


def age_on(born: date | None, today: date) -> int | None:
    if born is None:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _relationship_order(field: str) -> Case:
    return Case(
        *(When(**{field: code}, then=Value(i)) for i, code in enumerate(RELATIONSHIP_ORDER)),
        default=Value(len(RELATIONSHIP_ORDER)),
        output_field=IntegerField(),
    )


# ---- querysets of the pages (all start from a scoped selector) ----


def _family_ids_of_persons(persons: QuerySet[PersonVersion]):
    return (
        MembershipVersion.objects.current()
        .filter(person_id__in=persons.values("person_id"))
        .values("family_id")
    )


def _person_ids_of_families(families: QuerySet[FamilyVersion]):
    return (
        MembershipVersion.objects.current()
        .filter(family_id__in=families.values("family_id"))
        .values("person_id")
    )


class _Listing:
    """What differs between the family and the person list."""

    template = ""
    title = ""
    order: Keyset

    def rows(self, user) -> QuerySet:
        raise NotImplementedError

    def by_name(self, user, qs, name):
        raise NotImplementedError

    def by_number(self, user, qs, number):
        raise NotImplementedError

    def decorate(self, rows, labels, today):
        for row in rows:
            row.region_label = labels.get(row.village_code, row.village_code)


class _FamilyListing(_Listing):
    template = "registry/families.html"
    order = FAMILY_ORDER

    def rows(self, user):
        return family_list_visible_to(user=user)

    def by_name(self, user, qs, name):
        return qs.filter(
            family_id__in=_family_ids_of_persons(persons_visible_to(user=user).filter(nama__icontains=name))
        )

    def by_number(self, user, qs, number):
        with_member = _family_ids_of_persons(persons_visible_to(user=user).filter(nik=number))
        return qs.filter(Q(no_kk=number) | Q(family_id__in=with_member))

    def decorate(self, rows, labels, today):
        super().decorate(rows, labels, today)
        for row in rows:
            row.masked_kk = mask_id(row.no_kk)


class _PersonListing(_Listing):
    template = "registry/persons.html"
    order = PERSON_ORDER

    def rows(self, user):
        return person_list_visible_to(user=user)

    def by_name(self, user, qs, name):
        return qs.filter(nama__icontains=name)

    def by_number(self, user, qs, number):
        in_family = _person_ids_of_families(families_visible_to(user=user).filter(no_kk=number))
        return qs.filter(Q(nik=number) | Q(person_id__in=in_family))

    def decorate(self, rows, labels, today):
        super().decorate(rows, labels, today)
        relationships = code_labels("hubungan_keluarga") if rows else {}
        for row in rows:
            row.relationship_label = relationships.get(
                ("hubungan_keluarga", row.hubungan), row.hubungan or ""
            )
            row.masked_nik = mask_id(row.nik)
            row.age = age_on(row.tanggal_lahir, today)
            row.sex_label = SEX_LABELS.get(row.jenis_kelamin, "")


def _listing_page(request, listing: _Listing):
    user = request.user
    # The filters travel in the query string (areas and names are not identifying); a NIK/KK only
    # ever arrives in a POST body and its results are rendered here, never redirected to a URL.
    filters = AreaFilterForm(request.GET or None, user=user)
    area = name = ""
    if filters.is_bound and filters.is_valid():
        area = filters.cleaned_data.get("wilayah") or ""
        name = filters.cleaned_data["q"]
    qs = listing.rows(user)
    number_form = NumberSearchForm(request.POST if request.method == "POST" else None)
    searched = None
    page = None
    if number_form.is_bound and number_form.is_valid():
        number = number_form.cleaned_data["nomor"]
        rows = list(listing.by_number(user, qs, number)[: NUMBER_RESULTS_MAX + 1])
        searched = {"masked": mask_id(number), "more": len(rows) > NUMBER_RESULTS_MAX}
        rows = rows[:NUMBER_RESULTS_MAX]
        number_form = NumberSearchForm()  # the number is not echoed back into the page
    else:
        if area:
            qs = qs.filter(village_code__startswith=area)
        if name:
            qs = listing.by_name(user, qs, name)
        # Keyset pages: no COUNT and no OFFSET over a regency of millions (dtks/core/keyset.py).
        page = listing.order.page(qs, request.GET.get("cursor", ""), size=PAGE_SIZE)
        rows = page.rows
    listing.decorate(rows, region_labels(r.village_code for r in rows), timezone.localdate())
    # Page links carry the filters only; anything else in the address is not passed on.
    query = QueryDict(mutable=True)
    for key in ("wilayah", "q"):
        if request.GET.get(key):
            query[key] = request.GET[key]
    context = {
        "filters": filters,
        "number_form": number_form,
        "rows": rows,
        "page": page,
        "searched": searched,
        "filtered": bool(area or name),
        "query": query.urlencode(),
        "limit": NUMBER_RESULTS_MAX,
    }
    return render(request, listing.template, context)


@never_cache
@require_http_methods(["GET", "POST"])
def families(request):
    return _listing_page(request, _FamilyListing())


@never_cache
@require_http_methods(["GET", "POST"])
def persons(request):
    return _listing_page(request, _PersonListing())


def _first_or_404(qs):
    obj = qs.first()
    if obj is None:
        raise Http404
    return obj


def _findings(rows) -> list[dict]:
    return [
        {
            "rule": Finding.rule_label(f.rule),
            "fields": [label(name) for name in f.fields],
            "person_id": f.person_id,
        }
        for f in rows
    ]


def _audit_full_view(
    request, *, object_type: str, object_id: int, person_id: int | None, region: str, **detail
):
    audit_full_view(
        request,
        action="registry.view_full",
        object_type=object_type,
        object_id=object_id,
        subject_person_id=person_id,
        region_code=region,
        **detail,
    )


@never_cache
@require_GET
def family(request, family_id: int):
    user = request.user
    fam = _first_or_404(families_visible_to(user=user).filter(family_id=family_id))
    relationship = MembershipVersion.objects.current().filter(
        family_id=family_id, person_id=OuterRef("person_id")
    )
    members = list(
        family_members(user=user, family_id=family_id)
        .annotate(hubungan=Subquery(relationship.values("hubungan_keluarga")[:1]))
        .order_by(_relationship_order("hubungan"), "tanggal_lahir", "person_id")
    )
    member_ids = [m.person_id for m in members]
    findings = findings_visible_to(user=user).filter(Q(family_id=family_id) | Q(person_id__in=member_ids))
    labels = code_labels("hubungan_keluarga", *HOUSE_FIELDS)
    today = timezone.localdate()
    names = {m.person_id: m.nama for m in members}
    for m in members:
        m.masked_nik = mask_id(m.nik)
        m.age = age_on(m.tanggal_lahir, today)
        m.sex_label = SEX_LABELS.get(m.jenis_kelamin, "")
        m.relationship_label = labels.get(("hubungan_keluarga", m.hubungan or ""), m.hubungan or "")
    head = next((m for m in members if m.hubungan == HEAD), None)
    full = user.role in FULL_NIK_ROLES
    if full:
        _audit_full_view(
            request,
            object_type="registry.family",
            object_id=family_id,
            person_id=head.person_id if head else None,
            region=fam.village_code,
            members=member_ids,
        )
    house = [(label(f), labels.get((f, getattr(fam, f)), getattr(fam, f))) for f in HOUSE_FIELDS]
    found = _findings(findings.order_by("rule", "person_id"))
    for f in found:
        f["person_name"] = names.get(f["person_id"], "")
    context = {
        "family": fam,
        "head_name": head.nama if head else "",
        "kk": fam.no_kk if full else mask_id(fam.no_kk),
        "full": full,
        "region_path": list(reversed(region_path(code=fam.village_code))),
        "members": members,
        "house": house,
        "findings": found,
    }
    context["panels"] = panels_for("family", user=request.user, record_id=family_id)
    return render(request, "registry/family.html", context)


@never_cache
@require_GET
def person(request, person_id: int):
    user = request.user
    membership = MembershipVersion.objects.current().filter(person_id=OuterRef("person_id"))
    p = _first_or_404(
        persons_visible_to(user=user)
        .filter(person_id=person_id)
        .annotate(
            hubungan=Subquery(membership.values("hubungan_keluarga")[:1]),
            family_id=Subquery(membership.values("family_id")[:1]),
        )
    )
    fam = None
    if p.family_id is not None:
        fam = families_visible_to(user=user).filter(family_id=p.family_id).only("family_id", "no_kk").first()
    labels = code_labels(
        "hubungan_keluarga", "status_perkawinan", "kategori", "kriteria", "disabilitas", "program"
    )
    full = user.role in FULL_NIK_ROLES
    if full:
        _audit_full_view(
            request,
            object_type="registry.person",
            object_id=person_id,
            person_id=person_id,
            region=p.village_code,
        )
    context = {
        "person": p,
        "nik": p.nik if full else mask_id(p.nik),
        "full": full,
        "age": age_on(p.tanggal_lahir, timezone.localdate()),
        "sex_label": SEX_LABELS.get(p.jenis_kelamin, ""),
        "marital_label": labels.get(("status_perkawinan", p.status_perkawinan), p.status_perkawinan),
        "relationship_label": labels.get(("hubungan_keluarga", p.hubungan or ""), p.hubungan or ""),
        "kategori_label": labels.get(("kategori", p.kategori), p.kategori),
        "kriteria": [labels.get(("kriteria", c), c) for c in p.kriteria],
        "disabilitas": [labels.get(("disabilitas", c), c) for c in p.disabilitas],
        "program": [labels.get(("program", c), c) for c in p.program],
        "family": fam,
        "masked_kk": mask_id(fam.no_kk) if fam else "",
        "region_path": list(reversed(region_path(code=p.village_code))),
        "findings": _findings(findings_visible_to(user=user).filter(person_id=person_id).order_by("rule")),
    }
    context["panels"] = panels_for("person", user=request.user, record_id=person_id)
    return render(request, "registry/person.html", context)
