"""What the registry holds about one person and every access to it (UU 27/2022 access right).

The registry's part is below; what a stage holds about the person (the proposals that name the NIK,
later the visits and the requests that included them) are sections the stages register with
`subject_report_section`, so the report is complete without the core importing a stage."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q

from dtks.registry.models import FamilyVersion, Finding, MembershipVersion, PersonVersion

from .models import AuditEvent


@dataclass
class ReportSection:
    title: str
    lines: list[str] = field(default_factory=list)


# name -> section(*, nik, person_ids) -> ReportSection
SECTIONS: dict[str, Callable] = {}


def subject_report_section(name: str) -> Callable:
    def register(fn: Callable) -> Callable:
        SECTIONS[name] = fn
        return fn

    return register


@dataclass
class SubjectReport:
    persons: list[PersonVersion] = field(default_factory=list)
    memberships: list[MembershipVersion] = field(default_factory=list)
    families: list[FamilyVersion] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    events: list[AuditEvent] = field(default_factory=list)
    sections: list[ReportSection] = field(default_factory=list)


def subject_report(*, nik: str) -> SubjectReport:
    """Every version (published or not) of every person with this NIK, their families, findings and
    every audit event about them, oldest first. For the data-protection officer's use only."""
    persons = list(PersonVersion.objects.filter(nik=nik).order_by("person_id", "valid_from", "id"))
    person_ids = sorted({p.person_id for p in persons})
    memberships = list(
        MembershipVersion.objects.filter(person_id__in=person_ids).order_by("valid_from", "id")
    )
    family_ids = sorted({m.family_id for m in memberships})
    return SubjectReport(
        persons=persons,
        memberships=memberships,
        families=list(
            FamilyVersion.objects.filter(family_id__in=family_ids).order_by("family_id", "valid_from")
        ),
        findings=list(
            Finding.objects.filter(Q(person_id__in=person_ids) | Q(family_id__in=family_ids)).order_by("id")
        ),
        events=list(
            AuditEvent.objects.filter(
                Q(subject_person_id__in=person_ids)
                | Q(object_type="registry.person", object_id__in=[str(p) for p in person_ids])
                | Q(object_type="registry.family", object_id__in=[str(f) for f in family_ids])
            ).order_by("occurred_at", "id")
        ),
        sections=[fn(nik=nik, person_ids=person_ids) for _name, fn in sorted(SECTIONS.items())],
    )
