from django.contrib import admin
from django.urls import include, path

from dtks.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("sehat/", core_views.health, name="health"),
    path("dasbor/", core_views.dashboard, name="dashboard"),
    path("notifikasi/", core_views.notifications, name="notifications"),
    path("wilayah/", include("dtks.regions.urls")),
    path("akun/", include("dtks.accounts.urls")),
    path("registri/", include("dtks.registry.urls")),
    path("dukcapil/", include("dtks.civil.urls")),
    path("usulan/", include("proposals.urls")),
    path("daftar/", include("proposals.public_urls")),
    path("verval/", include("verification.urls")),
    path("penilaian/", include("determination.urls")),
    path("api/v1/", include("dtks.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

# The API answers errors outside its views in its own JSON shape; pages keep the HTML ones.
handler400 = "dtks.core.views.bad_request"
handler404 = "dtks.core.views.not_found"
handler500 = "dtks.core.views.server_error"
