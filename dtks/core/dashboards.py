"""What each role's dashboard opens on (docs/design.md §2): its work queues, and for the roles whose work
needs the registry, counts of what is in their scope.

A queue is declared here for every role from the start, with the empty state that says what will
appear in it. The stage that builds the queue (proposals, verification, determination,
usage_requests) registers a provider for it with `queue_provider("<key>")`; until then the queue
shows its empty state honestly. A provider returns a `QueueState` in a bounded number of queries.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils.functional import Promise, SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from dtks.accounts.models import Role
from dtks.accounts.scope import REGION_LENGTH, REGISTRY_ROLES, ROLE_SCOPE, ScopeKind
from dtks.core.charts import bars
from dtks.permissions import allowed, rule_for
from dtks.regions.models import Region
from dtks.regions.selectors import region_path
from dtks.registry.forms import scope_root
from dtks.registry.models import Finding
from dtks.registry.selectors import families_visible_to, findings_visible_to, persons_visible_to

from .notifications import unread_count

# Role names as the dashboard heading shows them (the model's labels are not translated).
ROLE_TITLES: dict[str, Promise] = {
    Role.VILLAGE_OPERATOR: _("Operator desa/kelurahan"),
    Role.FIELD_OFFICER: _("Pendamping/enumerator"),
    Role.REGENCY_VERIFIER: _("Verifikator Dinas Sosial kabupaten/kota"),
    Role.REGENCY_SUPERVISOR: _("Kepala Dinas Sosial kabupaten/kota"),
    Role.PROVINCE_OFFICER: _("Petugas Dinas Sosial provinsi"),
    Role.MINISTRY_DATA_OFFICER: _("Petugas Pusdatin Kementerian Sosial"),
    Role.MINISTER_DELEGATE: _("Pejabat penetapan (atas nama Menteri)"),
    Role.DATA_OFFICIAL: _("Pejabat Eselon I bidang data"),
    Role.PPID_OFFICER: _("Petugas PPID"),
    Role.PROGRAMME_OFFICER: _("Petugas program Eselon I"),
    Role.QA_ASSESSOR: _("Penilai penjaminan kualitas (perguruan tinggi)"),
    Role.DATA_REQUESTER: _("Pemohon data"),
    Role.ADMIN: _("Administrator"),
}


@dataclass(frozen=True)
class Queue:
    key: str
    title: Promise
    empty: Promise  # what will appear here, said while nothing does


@dataclass
class QueueState:
    count: int
    caption: Promise | str = ""  # what the count counts; the template says "waiting" when empty
    oldest_label: str = ""
    oldest_since: datetime | None = None
    url: str = ""


@dataclass
class ShownQueue:
    queue: Queue
    state: QueueState | None = None  # None: the stage that fills it is not built yet


# fmt: off
ROLE_QUEUES: dict[str, tuple[Queue, ...]] = {
    Role.VILLAGE_OPERATOR: (
        Queue("musyawarah", _("Musyawarah desa/kelurahan"), _(
            "Belum ada musyawarah. Musyawarah yang Anda catat dan usulan yang dihasilkannya akan tampil di sini.")),
        Queue("returned_to_village", _("Usulan yang dikembalikan"), _(
            "Belum ada usulan yang dikembalikan. Usulan yang dikembalikan dinas sosial kabupaten/kota untuk "
            "diperbaiki akan tampil di sini beserta alasannya.")),
        Queue("imports", _("Impor berkas"), _(
            "Tidak ada impor yang belum selesai. Berkas CSV/XLSX yang Anda unggah akan tampil di sini sampai "
            "usulannya selesai diimpor.")),
    ),
    Role.FIELD_OFFICER: (
        Queue("visits", _("Kunjungan yang harus dilakukan"), _(
            "Belum ada kunjungan. Kunjungan rumah untuk verifikasi di desa tugas Anda akan tampil di sini.")),
        Queue("prelist", _("Prelist"), _(
            "Belum ada prelist. Daftar awal keluarga yang perlu didata di desa tugas Anda akan tampil di sini.")),
    ),
    Role.REGENCY_VERIFIER: (
        Queue("verval", _("Antrean verifikasi dan validasi"), _(
            "Belum ada usulan yang menunggu verifikasi. Usulan dari musyawarah desa/kelurahan, pendaftaran "
            "mandiri, dan usulan Kementerian Sosial di kabupaten/kota Anda akan tampil di sini.")),
        Queue("returned_by_ministry", _("Dikembalikan Kementerian Sosial"), _(
            "Belum ada data yang dikembalikan. Data yang dikembalikan Kementerian Sosial untuk diperbaiki "
            "akan tampil di sini.")),
    ),
    Role.REGENCY_SUPERVISOR: (
        Queue("submissions_to_sign", _("Pengajuan menunggu pengesahan"), _(
            "Belum ada usulan terverifikasi yang menunggu pengesahan. Hasil verifikasi dan validasi yang siap "
            "diajukan akan tampil di sini untuk Anda sahkan bersama surat bupati/wali kota.")),
    ),
    Role.PROVINCE_OFFICER: (
        Queue("province", _("Menunggu diteruskan provinsi"), _(
            "Tidak ada usulan yang menunggu. Usulan dalam pengajuan kabupaten/kota yang belum Anda teruskan "
            "atau sanggah akan tampil di sini, dengan ringkasan per kabupaten/kota.")),
        Queue("regency_submissions", _("Pengajuan kabupaten/kota"), _(
            "Belum ada pengajuan. Hasil verifikasi dan validasi yang dikirim kabupaten/kota di provinsi "
            "Anda akan tampil di sini untuk diteruskan ke Kementerian Sosial.")),
        Queue("disputes", _("Sanggahan"), _(
            "Belum ada sanggahan. Data yang disanggah desa/kelurahan atau yang tidak Anda teruskan akan "
            "tampil di sini.")),
    ),
    Role.MINISTRY_DATA_OFFICER: (
        Queue("assessment", _("Antrean penilaian"), _(
            "Belum ada data yang menunggu penilaian. Data yang diteruskan provinsi akan tampil di sini untuk "
            "dinilai menurut kriteria integritas.")),
        Queue("determination_runs", _("Proses penetapan"), _(
            "Belum ada proses penetapan. Proses penetapan bulanan dan hasil perhitungannya akan tampil di sini.")),
    ),
    Role.MINISTER_DELEGATE: (
        Queue("determinations_to_approve", _("Penetapan menunggu persetujuan"), _(
            "Belum ada penetapan yang menunggu persetujuan. Hasil perhitungan penetapan bulanan akan tampil di "
            "sini untuk disetujui dengan nomor keputusan.")),
        Queue("agency_requests", _("Permohonan kementerian/lembaga"), _(
            "Belum ada permohonan. Permohonan data dari kementerian dan lembaga lain akan tampil di sini untuk "
            "diputuskan.")),
    ),
    Role.DATA_OFFICIAL: (
        Queue("local_government_requests", _("Permohonan pemerintah daerah"), _(
            "Belum ada permohonan. Permohonan data dari pemerintah daerah akan tampil di sini untuk diputuskan.")),
    ),
    Role.PPID_OFFICER: (
        Queue("public_requests", _("Permohonan publik"), _(
            "Belum ada permohonan. Permohonan informasi dari masyarakat akan tampil di sini untuk diputuskan "
            "sesuai UU 14/2008.")),
    ),
    Role.PROGRAMME_OFFICER: (
        Queue("programmes", _("Program"), _(
            "Belum ada program. Program unit Anda beserta kriteria, kuota, dan daftar KPM-nya akan tampil di "
            "sini.")),
    ),
    Role.QA_ASSESSOR: (
        Queue("qa_cases", _("Kasus penjaminan kualitas terbuka"), _(
            "Belum ada kasus. Kasus penjaminan kualitas yang ditugaskan kepada Anda akan tampil di sini "
            "beserta batas waktunya.")),
    ),
    Role.DATA_REQUESTER: (
        Queue("own_requests", _("Permohonan Anda"), _(
            "Belum ada permohonan. Permohonan data yang Anda ajukan dan statusnya akan tampil di sini.")),
    ),
    Role.ADMIN: (
        Queue("users", _("Pengguna"), _(
            "Belum ada pengguna aktif selain Anda. Pengguna yang dibuat dari berkas CSV akan tampil di sini.")),
    ),
}
# fmt: on

QUEUE_PROVIDERS: dict[str, Callable[..., QueueState]] = {}


def queue_provider(key: str):
    """Register the function that fills queue `key`: `provider(*, user) -> QueueState`."""

    def register(fn: Callable[..., QueueState]) -> Callable[..., QueueState]:
        QUEUE_PROVIDERS[key] = fn
        return fn

    return register


@queue_provider("users")
def _active_users(*, user) -> QueueState:
    n = get_user_model().objects.filter(is_active=True).exclude(pk=user.pk).count()
    return QueueState(count=n, caption=_("pengguna aktif lainnya"), url=reverse("admin:index"))


def dashboard_queues(*, user) -> list[ShownQueue]:
    shown = []
    for queue in ROLE_QUEUES.get(user.role, ()):
        provider = QUEUE_PROVIDERS.get(queue.key)
        shown.append(ShownQueue(queue, provider(user=user) if provider else None))
    return shown


# ---- registry counts (REGISTRY_ROLES) ----

AREA_LEVEL_NAMES = {
    2: _("Per provinsi"),
    4: _("Per kabupaten/kota"),
    10: _("Per kelurahan/desa"),
}


@dataclass
class AreaRow:
    code: str
    name: str
    families: int = 0
    persons: int = 0


@dataclass
class RegistrySummary:
    families: int
    persons: int
    findings: int
    rules: list[dict]  # bars (dtks/core/charts.py), one per rule: key = the rule's code
    areas: list[AreaRow]
    area_heading: Promise


def area_length(user) -> int:
    """How finely to break the scope down so the table stays readable: villages for a regency or
    narrower, regencies for a province, provinces for the whole country."""
    kind = ROLE_SCOPE.get(user.role)
    if kind == ScopeKind.NATIONAL:
        return 2
    if kind == ScopeKind.PROVINCE:
        return 4
    return REGION_LENGTH[ScopeKind.VILLAGE]


def registry_summary(*, user) -> RegistrySummary:
    """Counts in the user's scope in four queries: families and persons per area, findings per rule,
    and the area names. Totals are sums of the per-area counts."""
    n = area_length(user)

    def per_area(qs):
        return dict(
            qs.annotate(area=Substr("village_code", 1, n))
            .order_by()
            .values_list("area")
            .annotate(c=Count("id"))
        )

    families = per_area(families_visible_to(user=user))
    persons = per_area(persons_visible_to(user=user))
    by_rule = dict(findings_visible_to(user=user).order_by().values_list("rule").annotate(c=Count("id")))
    codes = sorted(set(families) | set(persons))
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}
    areas = [AreaRow(c, names.get(c, c), families.get(c, 0), persons.get(c, 0)) for c in codes]
    areas.sort(key=lambda a: a.name)
    rules = bars(
        (rule, Finding.rule_label(rule), count)
        for rule, count in sorted(by_rule.items(), key=lambda item: (-item[1], item[0]))
    )
    return RegistrySummary(
        families=sum(families.values()),
        persons=sum(persons.values()),
        findings=sum(by_rule.values()),
        rules=rules,
        areas=areas,
        area_heading=AREA_LEVEL_NAMES[n],
    )


def scope_label(*, user) -> str:
    """Where the user works, for the heading: "Rejowinangun Selatan, Magelang Selatan, …" (one query)."""
    kind = ROLE_SCOPE.get(user.role)
    if kind == ScopeKind.ASSIGNED_VILLAGES:
        names = Region.objects.filter(code__in=user.assigned_villages.values("village_code")).order_by("name")
        return ", ".join(names.values_list("name", flat=True))
    root = scope_root(user)
    if root:
        return ", ".join(r.name for r in reversed(region_path(code=root)))
    return ""


def dashboard_context(*, user) -> dict:
    registry = user.role in REGISTRY_ROLES
    return {
        "role_title": ROLE_TITLES.get(user.role, ""),
        "scope_label": scope_label(user=user),
        "national": ROLE_SCOPE.get(user.role) == ScopeKind.NATIONAL,
        "queues": dashboard_queues(user=user),
        "registry": registry_summary(user=user) if registry else None,
    }


# The header's Dukcapil link: the first of these pages the permission table lets the user open.
CIVIL_PAGES = ("civil:overview", "civil:reconciliation")


def civil_page(user) -> str:
    return next((name for name in CIVIL_PAGES if allowed(user, rule_for(name))), "")


def navigation(request) -> dict:
    """Context processor: whether the header offers the registry (only to roles whose work needs it),
    the Dukcapil page the role may open, and the inbox's unread count (counted only when a page shows
    it)."""
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    return {
        "nav_registry": signed_in and user.role in REGISTRY_ROLES,
        "nav_civil": civil_page(user) if signed_in else "",
        "notifications_unread": SimpleLazyObject(lambda: unread_count(user=user)) if signed_in else 0,
    }
