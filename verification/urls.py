"""The verification stage's pages, mounted at /verval/ (dtks/urls.py)."""

from django.urls import path, register_converter

from . import views


class VervalIdConverter:
    """A row id: digits, at most 18, so no path reaches PostgreSQL out of the bigint range."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(VervalIdConverter, "verval_id")

app_name = "verification"
urlpatterns: list = [
    path("usulan/<verval_id:pk>/putuskan/", views.decide, name="decide"),
    path("keputusan-massal/", views.bulk, name="bulk"),
    path("keputusan-massal/<verval_id:pk>/", views.bulk_progress, name="bulk_progress"),
]
