from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("keluarga/", views.families, name="families"),
    path("keluarga/<int:family_id>/", views.family, name="family"),
    path("orang/", views.persons, name="persons"),
    path("orang/<int:person_id>/", views.person, name="person"),
]
