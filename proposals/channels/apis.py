"""The API of the two channels outside the musyawarah: ministry proposals (usulan Kementerian Sosial)
and the public self-registration (pendaftaran mandiri). Thin views over proposals/channels/ministry.py and
proposals/channels/self_registration.py; the input is checked by the same forms as the pages
(proposals/channels/ministry_forms.py, proposals/channels/self_registration_forms.py), so a NIK, KK, RT/RW or region is judged by
the same rules and messages whichever way it comes in. Roles are in dtks/permissions.py.

- `GET/POST /api/v1/usulan-kementerian/`: the ministry data unit's proposals (list scoped by
  `ministry_proposals_visible_to`; create through `ministry_proposal_create`). `Idempotency-Key`
  (per user): a retried POST returns the same item and creates nothing.
- `POST /api/v1/pendaftaran-mandiri/`: public. Answers only a receipt code, the same shape whether
  or not a NIK is already registered or has an open application (docs/security.md #10); 429 when the
  per-IP limit is reached; a retried POST with the same `Idempotency-Key` and the same content
  returns the same receipt. A birth date or sex that contradicts the same person's NIK is a 400
  naming the field (as the page shows it) until it is corrected or `konfirmasi_nik: true` is sent.
"""

import hashlib
import uuid

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.response import Response

from dtks.accounts.auth import client_ip
from dtks.api.apis import ERRORS, is_schema_generation
from dtks.api.idempotency import IDEMPOTENCY, idempotency_key
from dtks.api.serializers import ErrorSerializer, IdField
from proposals.item.apis import ProposalCursorPagination
from proposals.item.models import ProposalItem, ProposalPerson
from proposals.item.serializers import ItemDetailSerializer

from .ministry import MinistryReason, ministry_proposal_create, ministry_proposals_visible_to
from .ministry_forms import PERSON_PREFIX, MinistryProposalForm, PersonFormSet
from .self_registration import (
    ip_limited,
    new_receipt_code,
)
from .self_registration_forms import MAX_MEMBERS, MEMBER_PREFIX, SelfRegistrationForm, member_formset

PERSON_KEYS = ("nik", "nama", "tempat_lahir", "tanggal_lahir", "jenis_kelamin", "hubungan_keluarga")


class RateLimited(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = _(
        "Batas pengiriman tercapai. Coba lagi nanti atau datang ke kantor desa/kelurahan Anda."
    )
    default_code = "rate_limited"


# --- turning JSON into the pages' form data, and form errors into the API's -------------------------


# The checkboxes of the self-registration form: consent, and the confirmation of a NIK warning.
CHECKBOXES = frozenset({"persetujuan", "konfirmasi_nik"})


def _value(v, *, name: str = ""):
    """A JSON value as a form sees a typed one: a boolean stays a boolean for a checkbox and is text
    ("true"/"false") for any other field, which then refuses it with its own message."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return v if name in CHECKBOXES else str(v).lower()
    if isinstance(v, dict | list):
        raise exceptions.ValidationError(_("Isian ini harus berupa teks, angka, atau ya/tidak."))
    return str(v)


def _body(request) -> dict:
    if not isinstance(request.data, dict):
        raise exceptions.ValidationError({"non_field_errors": [_("Kirim satu objek JSON.")]})
    return request.data


def _form_data(body: dict, fields, *, rows_key: str, prefix: str) -> dict:
    """Top-level `fields` and the rows under `rows_key` as a bound form and formset expect them."""
    data, errors = {}, {}
    for name in fields:
        if name in body:
            try:
                data[name] = _value(body[name], name=name)
            except exceptions.ValidationError as exc:
                errors[name] = exc.detail
    rows = body.get(rows_key) or []
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        errors[rows_key] = [_("Kirim daftar orang, masing-masing sebagai objek JSON.")]
        rows = []
    elif len(rows) > MAX_MEMBERS:
        errors[rows_key] = [_("Paling banyak %(n)s orang.") % {"n": MAX_MEMBERS}]
    data |= {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"}
    for i, row in enumerate(rows):
        for name in PERSON_KEYS:
            if name in row:
                try:
                    data[f"{prefix}-{i}-{name}"] = _value(row[name], name=name)
                except exceptions.ValidationError as exc:
                    errors[f"{rows_key}.{i}.{name}"] = exc.detail
    if errors:
        raise exceptions.ValidationError(errors)
    return data


def _raise_form_errors(form, formset, *, rows_key: str) -> None:
    errors: dict[str, list[str]] = {}
    for field, messages in form.errors.items():
        errors["non_field_errors" if field == "__all__" else field] = [str(m) for m in messages]
    for i, row in enumerate(formset.forms):
        for field, messages in row.errors.items():
            key = f"{rows_key}.{i}" if field == "__all__" else f"{rows_key}.{i}.{field}"
            errors[key] = [str(m) for m in messages]
    if formset.is_bound and formset.non_form_errors():
        errors[rows_key] = [str(m) for m in formset.non_form_errors()]
    raise exceptions.ValidationError(errors)


def _hashed(*parts) -> str:
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()


# --- ministry proposals -------------------------------------------------------------------------------


class MinistryPersonInputSerializer(serializers.Serializer):
    nik = serializers.CharField(
        required=False, allow_blank=True, help_text=_("Kosongkan bila belum ada NIK (dicatat NIK_PENDING).")
    )
    nama = serializers.CharField()
    tempat_lahir = serializers.CharField(required=False, allow_blank=True)
    tanggal_lahir = serializers.DateField(required=False, allow_null=True)
    jenis_kelamin = serializers.ChoiceField(choices=["L", "P"])
    hubungan_keluarga = serializers.CharField(required=False, allow_blank=True)


class MinistryProposalCreateSerializer(serializers.Serializer):
    """For the schema only: the input is checked by the page's form (proposals/channels/ministry_forms.py)."""

    ministry_reason = serializers.ChoiceField(choices=MinistryReason.CHOICES)
    verifier = serializers.ChoiceField(choices=ProposalItem.Verifier.choices)
    wilayah = serializers.CharField(help_text=_("Kode desa/kelurahan (10 angka)."))
    no_kk = serializers.CharField(required=False, allow_blank=True)
    rt = serializers.CharField(required=False, allow_blank=True)
    rw = serializers.CharField(required=False, allow_blank=True)
    alamat = serializers.CharField(required=False, allow_blank=True)
    note = serializers.CharField()
    persons = MinistryPersonInputSerializer(many=True)


class MinistryProposalListSerializer(serializers.ModelSerializer):
    kode_wilayah = serializers.CharField(source="village_code", read_only=True)
    no_kk = IdField()
    nama = serializers.CharField(source="first_nama", read_only=True, default="")
    jumlah_orang = serializers.IntegerField(source="person_count", read_only=True, default=0)

    class Meta:
        model = ProposalItem
        fields = (
            "id",
            "state",
            "verifier",
            "ministry_reason",
            "kode_wilayah",
            "no_kk",
            "nama",
            "jumlah_orang",
            "note",
            "created_at",
        )
        read_only_fields = fields


MINISTRY_FIELDS = ("ministry_reason", "verifier", "wilayah", "no_kk", "rt", "rw", "alamat", "note")


class MinistryProposalApi(ListAPIView):
    """Usulan Kementerian Sosial dalam cakupan Anda, terbaru dahulu; NIK/KK disamarkan."""

    serializer_class = MinistryProposalListSerializer
    pagination_class = ProposalCursorPagination

    def get_queryset(self):
        if is_schema_generation(self):
            return ProposalItem.objects.none()
        return ministry_proposals_visible_to(user=self.request.user)

    @extend_schema(tags=["usulan"], responses={200: MinistryProposalListSerializer, **ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=["usulan"],
        parameters=[IDEMPOTENCY],
        request=MinistryProposalCreateSerializer,
        responses={201: ItemDetailSerializer, **ERRORS},
    )
    def post(self, request, *args, **kwargs):
        """Ajukan usulan Kementerian Sosial (langsung berstatus Diajukan) dengan salah satu dari tiga
        alasan; orang tanpa NIK dicatat NIK_PENDING. Permintaan ulang dengan `Idempotency-Key` yang
        sama menjawab usulan yang sama tanpa membuat yang baru."""
        key = idempotency_key(request)
        data = _form_data(_body(request), MINISTRY_FIELDS, rows_key="persons", prefix=PERSON_PREFIX)
        data["kunci"] = uuid.uuid4().hex  # the page's form key; the API's key is the header
        form = MinistryProposalForm(data)
        persons = member_formset(data, prefix=PERSON_PREFIX, formset=PersonFormSet)
        if not (form.is_valid() & persons.is_valid()):
            _raise_form_errors(form, persons, rows_key="persons")
        d = form.cleaned_data
        item = ministry_proposal_create(
            actor=request.user,
            reason=d["ministry_reason"],
            village_code=d["wilayah"],
            note=d["note"],
            verifier=d["verifier"],
            persons=persons.people(),
            no_kk=d["no_kk"],
            rt=d["rt"],
            rw=d["rw"],
            alamat=d["alamat"],
            idempotency_key=key,
            ip=client_ip(request),
        )
        item = (
            ministry_proposals_visible_to(user=request.user)
            .filter(pk=item.pk)
            .prefetch_related(
                Prefetch("persons", queryset=ProposalPerson.objects.order_by("position")), "history"
            )
            .first()
        )
        if item is None:  # an earlier request's item under this key, outside the caller's scope
            raise exceptions.NotFound()
        # NIKs masked: the proposer typed them; the registry's audited detail views show full values.
        body = ItemDetailSerializer(item, context={"full_ids": False}).data
        return Response(body, status=status.HTTP_201_CREATED)


# --- self-registration ----------------------------------------------------------------------------------


class SelfRegistrationPersonSerializer(serializers.Serializer):
    nik = serializers.CharField()
    nama = serializers.CharField()
    tempat_lahir = serializers.CharField()
    tanggal_lahir = serializers.DateField()
    jenis_kelamin = serializers.ChoiceField(choices=["L", "P"])
    hubungan_keluarga = serializers.CharField()


class SelfRegistrationSerializer(serializers.Serializer):
    """For the schema only: the input is checked by the page's form (proposals/channels/self_registration_forms.py)."""

    permohonan = serializers.ChoiceField(choices=["baru", "perbaikan"])
    nik = serializers.CharField()
    no_kk = serializers.CharField(required=False, allow_blank=True)
    nama = serializers.CharField()
    tempat_lahir = serializers.CharField()
    tanggal_lahir = serializers.DateField()
    jenis_kelamin = serializers.ChoiceField(choices=["L", "P"])
    status_perkawinan = serializers.CharField()
    hubungan_keluarga = serializers.CharField()
    wilayah = serializers.CharField(help_text=_("Kode desa/kelurahan (10 angka)."))
    rt = serializers.CharField()
    rw = serializers.CharField()
    alamat = serializers.CharField()
    telepon = serializers.CharField()
    catatan = serializers.CharField(required=False, allow_blank=True)
    persetujuan = serializers.BooleanField(help_text=_("Persetujuan pemrosesan data pribadi (UU 27/2022)."))
    konfirmasi_nik = serializers.BooleanField(
        required=False,
        help_text=_(
            "Kirim true setelah jawaban 400 yang menyatakan tanggal lahir atau jenis kelamin tidak cocok "
            "dengan NIK, bila data itu memang sudah benar."
        ),
    )
    anggota = SelfRegistrationPersonSerializer(many=True, required=False)


class ReceiptSerializer(serializers.Serializer):
    receipt_code = serializers.CharField(read_only=True)


SELF_REGISTRATION_FIELDS = (
    "permohonan",
    "nik",
    "no_kk",
    "nama",
    "tempat_lahir",
    "tanggal_lahir",
    "jenis_kelamin",
    "status_perkawinan",
    "hubungan_keluarga",
    "wilayah",
    "rt",
    "rw",
    "alamat",
    "telepon",
    "catatan",
    "persetujuan",
    "konfirmasi_nik",
    "situs",
)


class SelfRegistrationApi(GenericAPIView):
    serializer_class = SelfRegistrationSerializer

    @extend_schema(
        tags=["usulan"],
        parameters=[IDEMPOTENCY],
        request=SelfRegistrationSerializer,
        responses={
            201: ReceiptSerializer,
            400: ERRORS[400],
            429: OpenApiResponse(ErrorSerializer, _("Batas pengiriman tercapai.")),
        },
    )
    def post(self, request, *args, **kwargs):
        """Pendaftaran mandiri (publik). Jawabannya hanya kode tanda terima, sama bentuknya apa pun
        data di registri. Mengirim ulang isi yang sama dengan `Idempotency-Key` yang sama menjawab
        tanda terima yang sama. Tanggal lahir atau jenis kelamin yang tidak cocok dengan NIK orang itu
        dijawab 400 pada isian tersebut sampai diperbaiki atau dikirim dengan `konfirmasi_nik: true`."""
        key = idempotency_key(request)
        ip = client_ip(request)
        if ip_limited(ip):
            raise RateLimited()
        body = _body(request)
        if str(body.get("situs") or "").strip():
            # The honeypot: a bot gets the same answer as a real submission, for nothing.
            return _receipt(new_receipt_code())
        data = _form_data(body, SELF_REGISTRATION_FIELDS, rows_key="anggota", prefix=MEMBER_PREFIX)
        data.setdefault("permohonan", SelfRegistrationForm.Request.NEW)
        # The form key the service binds the content to: from the header (hashed), else a fresh one.
        data["kunci"] = _hashed("api", key)[:32] if key else uuid.uuid4().hex
        form = SelfRegistrationForm(data)
        members = member_formset(data)
        item = form.submit(members, ip=ip)
        if item is None:
            _raise_form_errors(form, members, rows_key="anggota")
        return _receipt(item.receipt_code)


def _receipt(code: str) -> Response:
    return Response({"receipt_code": code}, status=status.HTTP_201_CREATED)
