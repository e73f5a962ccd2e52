"""The spreadsheet import's API: fixing one bad row of a previewed import (proposals/import_fix.py).

A thin view: the job is read through the import's scoped read (another village's import answers
404), the service checks the rest. A fix that still has errors is a valid save (200, the row with
its new errors); a malformed request — a column the template does not have, a value that is not
text — is a 400 in the API's error format. Roles are in dtks/permissions.py.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from dtks.accounts.auth import client_ip
from dtks.api.apis import ERRORS, NOT_FOUND, id_parameter
from dtks.registry.reading import TEMPLATE_COLUMNS

from . import import_fix, importing
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
                help_text=str(import_fix.FIELD_LABELS[c]),
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
        if not importing.import_jobs_visible_to(user=request.user).filter(pk=job_id).exists():
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
