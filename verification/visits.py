"""Field visits (issue 15; docs/verification.md, "Field visits"): the regency's prelists and the field
officers' visits with their photos — reads and writes.

- `prelist_create`: a regency verifier or supervisor draws up the list of one village's families to
  visit — the village's items in the verval queue not yet on a prelist, and registry families chosen
  by KK number (re-verification) — and assigns field officers of that village. What the paper list
  and the offline page need (head's name, masked KK, address; never a NIK) is copied onto the entry.
- `visit_record`: a field officer records a visit of an entry of a prelist assigned to them — date,
  GPS with its accuracy, the house survey, a note, the photo checklist — in one transaction. The
  phone makes a `client_key` per visit: an upload replayed after a lost answer returns the visit
  already recorded and adds nothing.

Every write writes an audit row; every read goes through the scoped selectors below.
"""

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from dtks.accounts.models import Role, User
from dtks.accounts.scope import in_scope, region_q, scoped_selector
from dtks.audit.services import audit_record
from dtks.registry.fields import HEAD, HOUSE_FIELDS, LABELS
from dtks.registry.masking import mask_id
from dtks.registry.models import Code, MembershipVersion, PersonVersion
from dtks.registry.selectors import families_visible_to
from proposals.item import ProposalItem, listed_items

from .models import FieldVisit, PhotoKind, Prelist, PrelistEntry, VisitPhoto
from .photos import photo_process
from .selectors import verval_items_visible_to

PLANNERS = frozenset({Role.REGENCY_VERIFIER, Role.REGENCY_SUPERVISOR})
MAX_ENTRIES = 500
TITLE_MAX = 200
NOTE_MAX = 4000
# Indonesia, with a margin: a GPS reading outside it is a wrong reading, not a visit abroad.
LATITUDE = (Decimal("-12"), Decimal("7"))
LONGITUDE = (Decimal("94"), Decimal("142"))
OLDEST_VISIT = timedelta(days=366)
REQUIRED_PHOTOS = tuple(PhotoKind.values)


class PrelistNotFound(ObjectDoesNotExist):
    """The prelist or entry does not exist, or is outside the actor's scope (callers answer 404)."""


# ---- reads ----------------------------------------------------------------------------------------


@scoped_selector
def prelists_visible_to(*, user) -> QuerySet[Prelist]:
    """Prelists of the user's region, newest first; a field officer sees only those assigned to them."""
    qs = Prelist.objects.filter(region_q(user))
    if getattr(user, "role", None) == Role.FIELD_OFFICER:
        qs = qs.filter(officers=user)
    return qs.order_by("-created_at", "-pk")


@scoped_selector
def visits_visible_to(*, user) -> QuerySet[FieldVisit]:
    """Visits of the user's region (a field officer: of the villages assigned to them)."""
    return FieldVisit.objects.filter(region_q(user))


@scoped_selector
def visit_photos_visible_to(*, user) -> QuerySet[VisitPhoto]:
    return VisitPhoto.objects.filter(visit__in=visits_visible_to(user=user))


def visits_of_item(*, user, item_id: int) -> list[FieldVisit]:
    """The visits of one item the user may see, newest first, each with its photos, `gaps` (the
    checklist's photos it lacks) and `house_rows` (the survey, labelled): three queries."""
    visits = list(
        visits_visible_to(user=user)
        .filter(item_id=item_id)
        .select_related("officer")
        .prefetch_related("photos")
        .order_by("-visited_on", "-pk")
    )
    labels = {(c.list, c.code): c.label for c in Code.objects.filter(list__in=HOUSE_FIELDS)} if visits else {}
    for v in visits:
        have = {p.kind for p in v.photos.all()}
        v.gaps = [PhotoKind(k).label for k in REQUIRED_PHOTOS if k not in have]
        v.house_rows = [
            (LABELS.get(f, f), labels.get((f, v.house[f]), v.house[f]))
            for f in HOUSE_FIELDS
            if v.house.get(f)
        ]
    return visits


def field_dashboard_counts(*, user) -> dict[str, tuple[int, object]]:
    """The field officer's dashboard in one query over the entries of their prelists: the entries not
    visited yet (and the oldest prelist holding one), and the prelists (and the oldest)."""
    visited = Exists(FieldVisit.objects.filter(entry=OuterRef("pk")))
    todo = Q(visited=False)
    agg = (
        PrelistEntry.objects.filter(prelist__in=prelists_visible_to(user=user))
        .annotate(visited=visited)
        .aggregate(
            todo=Count("pk", filter=todo),
            oldest_todo=Min("prelist__created_at", filter=todo),
            prelists=Count("prelist", distinct=True),
            oldest=Min("prelist__created_at"),
        )
    )
    return {"visits": (agg["todo"], agg["oldest_todo"]), "prelist": (agg["prelists"], agg["oldest"])}


def prelist_entries(prelist: Prelist) -> QuerySet[PrelistEntry]:
    """A prelist's entries in order, each with its number of visits."""
    return prelist.entries.annotate(visit_count=Count("visits")).order_by("position", "pk")


def field_officers_of(*, user, village_code: str) -> QuerySet[User]:
    """The active field officers assigned to a village of the user's region."""
    if not in_scope(user, village_code):
        return User.objects.none()
    return User.objects.filter(
        role=Role.FIELD_OFFICER, is_active=True, assigned_villages__village_code=village_code
    ).order_by("username")


def house_choices() -> dict[str, list[tuple[str, str]]]:
    """The code lists of the house survey (the registry's house attributes), active codes only."""
    out: dict[str, list[tuple[str, str]]] = {f: [] for f in HOUSE_FIELDS}
    for c in Code.objects.filter(list__in=HOUSE_FIELDS, active=True).order_by("list", "sort", "code"):
        out[c.list].append((c.code, c.label))
    return out


# ---- prelists -------------------------------------------------------------------------------------


@dataclass
class PrelistInput:
    village_code: str
    title: str
    officer_ids: list[int]
    include_queue: bool = True
    kk_numbers: tuple[str, ...] = ()


def _clean_prelist(actor, data: PrelistInput) -> tuple[list[User], list[str]]:
    errors: dict[str, str] = {}
    if not (
        len(data.village_code) == 10 and data.village_code.isdigit() and in_scope(actor, data.village_code)
    ):
        errors["village_code"] = "Pilih desa/kelurahan di kabupaten/kota Anda."
    title = (data.title or "").strip()
    if not title:
        errors["title"] = "Beri judul prelist, misalnya “Verval November – RW 03”."
    elif len(title) > TITLE_MAX:
        errors["title"] = f"Judul paling panjang {TITLE_MAX} karakter."
    kks = []
    for raw in data.kk_numbers:
        kk = "".join(ch for ch in str(raw) if ch.isdigit())
        if not kk:
            continue
        if len(kk) != 16:
            errors["kk_numbers"] = f"Nomor KK {raw} tidak 16 angka; tulis satu nomor KK per baris."
            break
        kks.append(kk)
    officers = []
    if "village_code" not in errors:
        allowed = {u.pk: u for u in field_officers_of(user=actor, village_code=data.village_code)}
        unknown = [i for i in data.officer_ids if i not in allowed]
        if unknown:
            errors["officers"] = "Pilih pendamping/enumerator yang bertugas di desa/kelurahan ini."
        officers = [allowed[i] for i in data.officer_ids if i in allowed]
        if not officers and "officers" not in errors:
            errors["officers"] = "Tugaskan paling sedikit satu pendamping/enumerator desa/kelurahan ini."
    if errors:
        raise ValidationError(errors)
    return officers, sorted(set(kks))


@transaction.atomic
def prelist_create(*, actor, data: PrelistInput, ip: str | None = None) -> Prelist:
    """A prelist of one village, its entries and its officers. Refuses a list with nothing to visit."""
    if getattr(actor, "role", None) not in PLANNERS:
        raise PermissionDenied("Hanya dinas sosial kabupaten/kota yang menyusun prelist kunjungan.")
    officers, kks = _clean_prelist(actor, data)
    village = data.village_code
    entries: list[PrelistEntry] = []
    if data.include_queue:
        on_a_list = PrelistEntry.objects.filter(item=OuterRef("pk"), prelist__village_code=village)
        queue = listed_items(
            verval_items_visible_to(user=actor)
            .filter(village_code=village, state=ProposalItem.State.SUBMITTED)
            .exclude(Exists(on_a_list))
        ).order_by("pk")
        for it in queue[:MAX_ENTRIES]:
            entries.append(
                PrelistEntry(
                    item=it,
                    reason=PrelistEntry.Reason.VERVAL,
                    nama=it.first_name or "",
                    no_kk_masked=mask_id(it.no_kk),
                    alamat=_address(it.alamat, it.rt, it.rw),
                )
            )
    if kks:
        families = {
            f.no_kk: f for f in families_visible_to(user=actor).filter(village_code=village, no_kk__in=kks)
        }
        missing = [kk for kk in kks if kk not in families]
        if missing:
            raise ValidationError(
                {
                    "kk_numbers": "Tidak ada keluarga registri di desa/kelurahan ini dengan nomor KK "
                    + ", ".join(mask_id(kk) for kk in missing)
                    + "; periksa nomornya."
                }
            )
        heads = _heads([f.family_id for f in families.values()])
        for kk in kks:
            f = families[kk]
            entries.append(
                PrelistEntry(
                    family_id=f.family_id,
                    reason=PrelistEntry.Reason.REVERIFY,
                    nama=heads.get(f.family_id, ""),
                    no_kk_masked=mask_id(kk),
                    alamat=_address(f.alamat, f.rt, f.rw),
                )
            )
    if not entries:
        raise ValidationError(
            "Tidak ada keluarga untuk dikunjungi: antrean verval desa/kelurahan ini sudah masuk prelist "
            "dan tidak ada nomor KK yang dipilih."
        )
    if len(entries) > MAX_ENTRIES:
        raise ValidationError(
            {"kk_numbers": f"Satu prelist paling banyak {MAX_ENTRIES} keluarga; bagi menjadi beberapa."}
        )
    prelist = Prelist.objects.create(village_code=village, title=data.title.strip(), created_by=actor)
    for i, e in enumerate(entries):
        e.prelist, e.position = prelist, i
    PrelistEntry.objects.bulk_create(entries)
    prelist.officers.set(officers)
    audit_record(
        actor=actor,
        action="prelist.create",
        object_type="verification.prelist",
        object_id=prelist.pk,
        region_code=village,
        ip=ip,
        detail={"entries": len(entries), "officers": [o.pk for o in officers], "registry_families": len(kks)},
    )
    return prelist


def _address(alamat: str, rt: str, rw: str) -> str:
    parts = [alamat or ""]
    if rt or rw:
        parts.append(f"RT {rt or '-'}/RW {rw or '-'}")
    return ", ".join(p for p in parts if p)[:300]


def _heads(family_ids: list[int]) -> dict[int, str]:
    heads = MembershipVersion.objects.current().filter(family_id__in=family_ids, hubungan_keluarga=HEAD)
    person_of = dict(heads.values_list("person_id", "family_id"))
    names = (
        PersonVersion.objects.current().filter(person_id__in=list(person_of)).values_list("person_id", "nama")
    )
    return {person_of[pid]: nama for pid, nama in names}


# ---- visits ---------------------------------------------------------------------------------------


@dataclass
class VisitInput:
    entry_id: int
    client_key: str
    visited_on: date | None
    latitude: object = None
    longitude: object = None
    accuracy_m: object = None
    house: dict | None = None
    note: str = ""
    photos: dict | None = None  # kind -> upload


def _decimal(value, field: str, bounds: tuple[Decimal, Decimal], errors: dict) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        d = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        errors[field] = "Koordinat tidak terbaca; ambil ulang lokasi dengan tombol GPS."
        return None
    if not bounds[0] <= d <= bounds[1]:
        errors[field] = "Koordinat di luar wilayah Indonesia; ambil ulang lokasi dengan tombol GPS."
        return None
    return d


def _clean_key_and_date(data: VisitInput, errors: dict) -> uuid.UUID | None:
    try:
        key = uuid.UUID(str(data.client_key))
    except (ValueError, AttributeError, TypeError):
        key = None
        errors["client_key"] = "Kunci kunjungan tidak valid; simpan ulang kunjungan dari formulirnya."
    today = timezone.localdate()
    if not isinstance(data.visited_on, date):
        errors["visited_on"] = "Isi tanggal kunjungan."
    elif data.visited_on > today:
        errors["visited_on"] = "Tanggal kunjungan tidak boleh di masa depan."
    elif data.visited_on < today - OLDEST_VISIT:
        errors["visited_on"] = "Tanggal kunjungan lebih dari setahun lalu; periksa tanggalnya."
    return key


def _clean_position(data: VisitInput, errors: dict) -> tuple[Decimal | None, Decimal | None, float | None]:
    lat = _decimal(data.latitude, "latitude", LATITUDE, errors)
    lon = _decimal(data.longitude, "longitude", LONGITUDE, errors)
    if (lat is None) != (lon is None) and "latitude" not in errors and "longitude" not in errors:
        errors["latitude"] = "Lintang dan bujur diisi bersama; ambil ulang lokasi dengan tombol GPS."
    accuracy = None
    if data.accuracy_m not in (None, ""):
        try:
            accuracy = float(data.accuracy_m)
            if not 0 <= accuracy <= 100_000:
                raise ValueError
        except (TypeError, ValueError):
            accuracy = None
            errors["accuracy_m"] = "Akurasi GPS harus angka meter (0 sampai 100.000)."
    return lat, lon, accuracy


def _clean_house(given: dict | None, errors: dict) -> dict:
    house = {}
    choices = house_choices()
    for f, value in (given or {}).items():
        if f not in choices:
            errors["house"] = f"Isian kondisi rumah {f} tidak dikenal."
            continue
        value = str(value or "").strip()
        if value and value not in {c for c, _l in choices[f]}:
            errors[f"house.{f}"] = "Pilih dari daftar kondisi rumah."
        elif value:
            house[f] = value
    return house


def _clean_photos(given: dict | None, errors: dict) -> dict:
    processed = {}
    for kind, upload in (given or {}).items():
        if kind not in REQUIRED_PHOTOS:
            errors[f"foto_{kind}"] = "Jenis foto tidak dikenal."
        elif upload is not None:
            try:
                processed[kind] = photo_process(upload, field=f"foto_{kind}")
            except ValidationError as exc:
                errors.update({k: v[0].messages[0] for k, v in exc.error_dict.items()})
    return processed


def _clean_visit(data: VisitInput) -> dict:
    """Every field checked, every refusal collected under its field; photos processed last."""
    errors: dict[str, str] = {}
    key = _clean_key_and_date(data, errors)
    lat, lon, accuracy = _clean_position(data, errors)
    house = _clean_house(data.house, errors)
    note = (data.note or "").strip()
    if len(note) > NOTE_MAX:
        errors["note"] = "Catatan paling panjang 4.000 karakter."
    elif "\x00" in note:
        errors["note"] = "Catatan berisi karakter yang tidak sah; ketik ulang catatannya."
    processed = _clean_photos(data.photos, errors)
    if errors:
        raise ValidationError(errors)
    return {
        "client_key": key,
        "visited_on": data.visited_on,
        "latitude": lat,
        "longitude": lon,
        "accuracy_m": accuracy,
        "house": house,
        "note": note,
        "photos": processed,
    }


def _entry_for(actor, entry_id: int) -> PrelistEntry:
    entry = (
        PrelistEntry.objects.filter(prelist__in=prelists_visible_to(user=actor), pk=entry_id)
        .select_related("prelist")
        .first()
    )
    if entry is None:
        raise PrelistNotFound("Keluarga dalam prelist tidak ditemukan.")
    return entry


def visit_record(*, actor, data: VisitInput, ip: str | None = None) -> tuple[FieldVisit, bool]:
    """(the visit, created?). A replay of the same `client_key` by the same officer returns the visit
    recorded first and changes nothing, whatever it carries."""
    if getattr(actor, "role", None) != Role.FIELD_OFFICER:
        raise PermissionDenied("Hanya pendamping/enumerator yang mencatat kunjungan lapangan.")
    try:
        key = uuid.UUID(str(data.client_key))
    except (ValueError, TypeError):
        key = None
    if key is not None:
        done = FieldVisit.objects.filter(officer=actor, client_key=key).first()
        if done is not None:
            return done, False
    entry = _entry_for(actor, data.entry_id)
    clean = _clean_visit(data)
    try:
        with transaction.atomic():
            visit = FieldVisit.objects.create(
                entry=entry,
                item_id=entry.item_id,
                family_id=entry.family_id,
                village_code=entry.prelist.village_code,
                officer=actor,
                client_key=clean["client_key"],
                visited_on=clean["visited_on"],
                latitude=clean["latitude"],
                longitude=clean["longitude"],
                accuracy_m=clean["accuracy_m"],
                house=clean["house"],
                note=clean["note"],
            )
            for kind, photo in clean["photos"].items():
                row = VisitPhoto(
                    visit=visit,
                    kind=kind,
                    width=photo.width,
                    height=photo.height,
                    sha256=photo.sha256,
                    exif_latitude=_exif(photo.gps, 0),
                    exif_longitude=_exif(photo.gps, 1),
                    taken_at=_aware(photo.taken_at),
                )
                row.image.save(f"{uuid.uuid4().hex}.jpg", ContentFile(photo.content), save=False)
                row.save()
            audit_record(
                actor=actor,
                action="visit.record",
                object_type="verification.fieldvisit",
                object_id=visit.pk,
                region_code=visit.village_code,
                ip=ip,
                detail={
                    "entry": entry.pk,
                    "photos": sorted(clean["photos"]),
                    "gps": clean["latitude"] is not None,
                },
            )
    except IntegrityError:
        # The same visit uploaded twice at once: the other request recorded it.
        return FieldVisit.objects.get(officer=actor, client_key=clean["client_key"]), False
    return visit, True


def _exif(gps, i: int) -> Decimal | None:
    if not gps:
        return None
    try:
        return Decimal(str(gps[i])).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError, IndexError):
        return None


def _aware(at):
    if at is None:
        return None
    return at if timezone.is_aware(at) else timezone.make_aware(at)
