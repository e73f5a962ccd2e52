"""Mounted at /api/v1/. Every name here is in dtks/permissions.py with the roles allowed."""

from django.urls import path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from proposals import api_urls as proposal_api_urls

from . import apis


class RegistryIdConverter:
    """A registry identity (bigint): digits, at most 18, so no path reaches PostgreSQL out of range."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(RegistryIdConverter, "registry_id")

app_name = "api"
urlpatterns = [
    path("keluarga/", apis.FamilyListApi.as_view(), name="family-list"),
    path("keluarga/<registry_id:family_id>/", apis.FamilyDetailApi.as_view(), name="family-detail"),
    path("orang/", apis.PersonListApi.as_view(), name="person-list"),
    path("orang/cari/", apis.PersonSearchApi.as_view(), name="person-search"),
    path("orang/<registry_id:person_id>/", apis.PersonDetailApi.as_view(), name="person-detail"),
    path("wilayah/", apis.RegionChildrenApi.as_view(), name="region-list"),
    path("token/", apis.TokenApi.as_view(), name="token"),
    *proposal_api_urls.urlpatterns,
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI from drf-spectacular-sidecar's own static files; the split view serves its init
    # script as a file too, so no inline script and no third-party origin (SECURITY.md #6).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
