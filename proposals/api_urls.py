"""Stage 1's API operations, mounted under /api/v1/ by dtks/api/urls.py (namespace `api`). Every name
is in proposals/permissions.py with its roles."""

from django.urls import path, register_converter

from .channels import apis as channel_apis
from .imports import apis as import_apis
from .item import apis as item_apis
from .musyawarah import apis as musyawarah_apis


class ProposalIdConverter:
    """A row id: digits, at most 18, so no path reaches PostgreSQL out of the bigint range."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


class ImportRowNoConverter(ProposalIdConverter):
    """A row number of an import (an int column): at most 10 digits; the service checks the range."""

    regex = "[0-9]{1,10}"


register_converter(ProposalIdConverter, "proposal_id")
register_converter(ImportRowNoConverter, "import_row_no")

urlpatterns = [
    path("musyawarah/", musyawarah_apis.MusyawarahListApi.as_view(), name="musyawarah-list"),
    path("musyawarah/baru/", musyawarah_apis.MusyawarahCreateApi.as_view(), name="musyawarah-create"),
    path(
        "musyawarah/<proposal_id:pk>/",
        musyawarah_apis.MusyawarahDetailApi.as_view(),
        name="musyawarah-detail",
    ),
    path(
        "musyawarah/<proposal_id:pk>/notulen/",
        musyawarah_apis.MusyawarahMinutesApi.as_view(),
        name="musyawarah-minutes",
    ),
    path(
        "musyawarah/<proposal_id:pk>/transisi/",
        musyawarah_apis.MusyawarahTransitionApi.as_view(),
        name="musyawarah-transition",
    ),
    path("usulan/", item_apis.ItemListApi.as_view(), name="item-list"),
    path("usulan/baru/", item_apis.ItemCreateApi.as_view(), name="item-create"),
    path("usulan/<proposal_id:pk>/", item_apis.ItemDetailApi.as_view(), name="item-detail"),
    path("usulan/<proposal_id:pk>/transisi/", item_apis.ItemTransitionApi.as_view(), name="item-transition"),
    path("musyawarah/<proposal_id:pk>/impor/", import_apis.ImportUploadApi.as_view(), name="import-upload"),
    path("impor/", import_apis.ImportJobListApi.as_view(), name="import-list"),
    path("impor/<proposal_id:job_id>/", import_apis.ImportJobDetailApi.as_view(), name="import-detail"),
    path("impor/<proposal_id:job_id>/baris/", import_apis.ImportRowListApi.as_view(), name="import-rows"),
    path(
        "impor/<proposal_id:job_id>/baris/<import_row_no:row_no>/",
        import_apis.ImportRowFixApi.as_view(),
        name="import-row-fix",
    ),
    path(
        "impor/<proposal_id:job_id>/konfirmasi/",
        import_apis.ImportConfirmApi.as_view(),
        name="import-confirm",
    ),
    path("impor/<proposal_id:job_id>/batal/", import_apis.ImportCancelApi.as_view(), name="import-cancel"),
    path("usulan-kementerian/", channel_apis.MinistryProposalApi.as_view(), name="ministry-proposal-list"),
    path("pendaftaran-mandiri/", channel_apis.SelfRegistrationApi.as_view(), name="self-registration"),
]
