"""The verification stage's pages, mounted at /verval/ (dtks/urls.py)."""

app_name = "verification"
urlpatterns: list = []
