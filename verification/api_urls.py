"""The verification stage's API operations, collected into the shared `api` namespace (dtks/api/urls.py)."""

urlpatterns: list = []
