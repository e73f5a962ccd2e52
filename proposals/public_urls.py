"""Public self-registration pages, mounted at /daftar/ (SECURITY.md #3: a public route)."""

from . import urls_public

app_name = "public"
urlpatterns = [*urls_public.urlpatterns]
