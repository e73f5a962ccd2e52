"""Stage 1 pages, mounted at /usulan/ (staff) — every name is in dtks/permissions.py.

One module per part so the parts grow without stepping on each other: the village and regency
flow, the spreadsheet import, and the public self-registration (mounted at /daftar/ instead).
"""

from . import urls_import, urls_ministry, urls_village

app_name = "proposals"
urlpatterns = [*urls_village.urlpatterns, *urls_import.urlpatterns, *urls_ministry.urlpatterns]
