"""Mounted at /api/v1/. Every name here is in the permission table with the roles allowed.

The core's operations are below; each stage (settings.DTKS_STAGES) adds its own from its `api_urls`
module, collected here, so they share the `api` namespace without the core naming a stage."""

from importlib import import_module

from django.conf import settings
from django.urls import path, register_converter
from django.utils.module_loading import module_has_submodule
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from dtks.civil import api_urls as civil_api_urls

from . import apis


class RegistryIdConverter:
    """A registry identity (bigint): digits, at most 18, so no path reaches PostgreSQL out of range."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(RegistryIdConverter, "registry_id")


def stage_urlpatterns() -> list:
    patterns = []
    for app in settings.DTKS_STAGES:
        if module_has_submodule(import_module(app), "api_urls"):
            patterns += import_module(f"{app}.api_urls").urlpatterns
    return patterns


app_name = "api"
urlpatterns = [
    path("keluarga/", apis.FamilyListApi.as_view(), name="family-list"),
    path("keluarga/<registry_id:family_id>/", apis.FamilyDetailApi.as_view(), name="family-detail"),
    path("orang/", apis.PersonListApi.as_view(), name="person-list"),
    path("orang/cari/", apis.PersonSearchApi.as_view(), name="person-search"),
    path("orang/<registry_id:person_id>/", apis.PersonDetailApi.as_view(), name="person-detail"),
    path("wilayah/", apis.RegionChildrenApi.as_view(), name="region-list"),
    path("token/", apis.TokenApi.as_view(), name="token"),
    # The civil-registry check is the core's (dtks/civil): its operations are listed here directly.
    *civil_api_urls.urlpatterns,
    *stage_urlpatterns(),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI from drf-spectacular-sidecar's own static files; the split view serves its init
    # script as a file too, so no inline script and no third-party origin (docs/security.md #6).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
