"""The spreadsheet import's API (proposals/imports/services.py, fix.py): upload a file to a
musyawarah, follow its preview, read and fix its bad rows, confirm or cancel — what the pages do.

Thin views: jobs are read through the import's scoped read (another village's import answers 404),
the services check the rest. The upload accepts an `Idempotency-Key` (the same key again is the same
job); confirm and cancel are idempotent by nature. A fix that still has errors is a valid save (200,
the row with its new errors); a malformed request is a 400 in the API's error format. The preview
and the writing run as tasks: their answers are 202, and the job's `status` and `percent` tell how
far they are. Roles are in dtks/permissions.py.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from dtks.accounts.auth import client_ip
from dtks.api.apis import ERRORS, NOT_FOUND, id_parameter, is_schema_generation
from dtks.api.idempotency import IDEMPOTENCY, idempotency_key
from dtks.api.pagination import RegistryCursorPagination
from dtks.registry.fields import label
from dtks.registry.reading import TEMPLATE_COLUMNS

from . import fix as import_fix
from . import selectors
from . import services as importing
from .models import ImportJob, ImportRow


class ImportRowFixSerializer(serializers.Serializer):
    """The corrected columns of the row, by the template's column names; columns not sent keep their
    value, but every column the row has an error on must be sent."""

    def get_fields(self):
        return {
            c: serializers.CharField(
                required=False,
                allow_blank=True,
                allow_null=True,
                trim_whitespace=False,
                max_length=import_fix.MAX_VALUE,
                help_text=label(c),
            )
            for c in TEMPLATE_COLUMNS
        }

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(TEMPLATE_COLUMNS))
        if unknown:
            raise serializers.ValidationError(
                {
                    k: [_("Kolom ini tidak ada di templat impor; gunakan nama kolom templat (nik, nama, …).")]
                    for k in unknown
                }
            )
        if not attrs:
            raise serializers.ValidationError(
                _("Kirim paling sedikit satu kolom templat dengan nilai perbaikannya.")
            )
        return attrs


class ImportRowErrorSerializer(serializers.Serializer):
    field = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()


class ImportJobCountsSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImportJob
        fields = (
            "id",
            "status",
            "rows_total",
            "rows_invalid",
            "items_total",
            "items_new",
            "items_existing",
            "items_blocked",
        )
        read_only_fields = fields


class ImportRowSerializer(serializers.ModelSerializer):
    values = serializers.SerializerMethodField(
        help_text=_("Nilai baris setelah dinormalisasi, per kolom templat.")
    )
    errors = ImportRowErrorSerializer(many=True, read_only=True)
    job = serializers.SerializerMethodField()

    class Meta:
        model = ImportRow
        fields = ("row_no", "ok", "errors", "values", "job")
        read_only_fields = fields

    def get_values(self, row) -> dict[str, str]:
        return import_fix.import_row_values(row)

    @extend_schema_field(ImportJobCountsSerializer)
    def get_job(self, row) -> dict:
        return ImportJobCountsSerializer(self.context["job"]).data


ROW_NO = OpenApiParameter(
    "row_no", {"type": "integer", "minimum": 1, "maximum": import_fix.ROW_NO_MAX}, OpenApiParameter.PATH
)


class ImportRowFixApi(GenericAPIView):
    serializer_class = ImportRowFixSerializer

    @extend_schema(
        tags=["usulan"],
        parameters=[id_parameter("job_id"), ROW_NO],
        request=ImportRowFixSerializer,
        responses={200: ImportRowSerializer, **ERRORS, **NOT_FOUND},
    )
    def patch(self, request, job_id: int, row_no: int, *args, **kwargs):
        """Perbaiki satu baris bermasalah pada pratinjau impor; baris diperiksa ulang seperti berkasnya.

        Perbaikan yang masih salah tetap disimpan (200, `ok: false` dengan pesan per kolom). Kolom
        yang bermasalah harus ikut dikirim; kolom yang tidak ada di templat ditolak (400)."""
        if not selectors.import_jobs_visible_to(user=request.user).filter(pk=job_id).exists():
            raise exceptions.NotFound()
        data = ImportRowFixSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            row = import_fix.import_row_fix(
                job_id=job_id,
                row_no=row_no,
                values=data.validated_data,
                actor=request.user,
                ip=client_ip(request),
            )
        except ObjectDoesNotExist as exc:
            raise exceptions.NotFound() from exc
        job = ImportJob.objects.get(pk=job_id)
        return Response(ImportRowSerializer(row, context={"job": job}).data)


# --- the job: upload, follow, confirm, cancel, its bad rows ------------------------------------------


class ImportJobSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True, help_text=_("Kemajuan penulisan usulan, 0–100."))

    class Meta:
        model = ImportJob
        fields = (
            "id",
            "musyawarah",
            "status",
            "original_name",
            "file_format",
            "file_size",
            "rows_total",
            "rows_invalid",
            "items_total",
            "items_new",
            "items_existing",
            "items_blocked",
            "items_done",
            "percent",
            "warnings",
            "error_message",
            "created_at",
            "finished_at",
        )
        read_only_fields = fields


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=_("Berkas CSV atau XLSX sesuai templat impor DTKS; NIK dan KK sebagai Teks.")
    )


class ImportJobCursorPagination(RegistryCursorPagination):
    ordering = "-id"


def _job_or_404(request, job_id: int) -> ImportJob:
    job = selectors.import_jobs_visible_to(user=request.user).filter(pk=job_id).first()
    if job is None:
        raise exceptions.NotFound()
    return job


def _job_answer(job: ImportJob, *, accepted: bool = False) -> Response:
    return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED if accepted else 200)


def _job_step(request, job_id: int, service) -> ImportJob:
    """Confirm or cancel: the key checked (the step is idempotent by nature), the job in scope; the
    job as the service left it."""
    idempotency_key(request)
    job = _job_or_404(request, job_id)
    return service(job_id=job.pk, actor=request.user, ip=client_ip(request))


JOB_ID = id_parameter("job_id")


@extend_schema(tags=["usulan"], responses={200: ImportJobSerializer, **ERRORS})
class ImportJobListApi(ListAPIView):
    """Impor berkas musyawarah dalam cakupan wilayah Anda, terbaru dahulu."""

    serializer_class = ImportJobSerializer
    pagination_class = ImportJobCursorPagination

    def get_queryset(self):
        if is_schema_generation(self):
            return ImportJob.objects.none()
        return selectors.import_jobs_visible_to(user=self.request.user)


class ImportUploadApi(GenericAPIView):
    serializer_class = ImportUploadSerializer
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=["usulan"],
        parameters=[id_parameter("pk"), IDEMPOTENCY],
        request={"multipart/form-data": ImportUploadSerializer},
        responses={202: ImportJobSerializer, **ERRORS, **NOT_FOUND},
    )
    def post(self, request, pk: int, *args, **kwargs):
        """Unggah berkas usulan untuk musyawarah ini; pratinjaunya (kesalahan per baris) disiapkan di
        latar belakang: ikuti `status` sampai `previewed`, lalu baca baris bermasalah atau konfirmasi."""
        try:  # another village's musyawarah is a 404 whatever the body
            selectors.import_musyawarah_for(user=request.user, musyawarah_id=pk)
        except ObjectDoesNotExist as exc:
            raise exceptions.NotFound() from exc
        key = idempotency_key(request)
        data = ImportUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = importing.import_job_create(
            musyawarah_id=pk,
            uploaded=data.validated_data["file"],
            actor=request.user,
            ip=client_ip(request),
            idempotency_key=key,
        )
        return _job_answer(job, accepted=True)


class ImportJobDetailApi(GenericAPIView):
    serializer_class = ImportJobSerializer

    @extend_schema(
        tags=["usulan"], parameters=[JOB_ID], responses={200: ImportJobSerializer, **ERRORS, **NOT_FOUND}
    )
    def get(self, request, job_id: int, *args, **kwargs):
        """Status, hitungan pratinjau dan kemajuan satu impor."""
        return _job_answer(_job_or_404(request, job_id))


class ImportRowCursorPagination(RegistryCursorPagination):
    ordering = "row_no"


class ImportRowListApi(ListAPIView):
    """Baris bermasalah satu impor, menurut nomor barisnya, dengan pesan per kolom."""

    serializer_class = ImportRowSerializer
    pagination_class = ImportRowCursorPagination

    def get_queryset(self):
        if is_schema_generation(self):
            return ImportRow.objects.none()
        self.job = _job_or_404(self.request, self.kwargs["job_id"])
        return selectors.import_job_error_rows(job=self.job)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "job": getattr(self, "job", None)}

    @extend_schema(
        tags=["usulan"], parameters=[JOB_ID], responses={200: ImportRowSerializer, **ERRORS, **NOT_FOUND}
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ImportConfirmApi(GenericAPIView):
    serializer_class = ImportJobSerializer

    @extend_schema(
        tags=["usulan"],
        parameters=[JOB_ID, IDEMPOTENCY],
        request=None,
        responses={202: ImportJobSerializer, **ERRORS, **NOT_FOUND},
    )
    def post(self, request, job_id: int, *args, **kwargs):
        """Impor usulan yang sah dari pratinjau ini; ditulis di latar belakang (ikuti `percent`).
        Konfirmasi ulang tidak mengubah apa pun."""
        return _job_answer(_job_step(request, job_id, importing.import_job_confirm), accepted=True)


class ImportCancelApi(GenericAPIView):
    serializer_class = ImportJobSerializer

    @extend_schema(
        tags=["usulan"],
        parameters=[JOB_ID, IDEMPOTENCY],
        request=None,
        responses={200: ImportJobSerializer, **ERRORS, **NOT_FOUND},
    )
    def post(self, request, job_id: int, *args, **kwargs):
        """Batalkan impor selama pratinjau: tidak ada yang disimpan. Membatalkan ulang tidak mengubah apa pun."""
        return _job_answer(_job_step(request, job_id, importing.import_job_cancel))
