from django.urls import path

from . import views

app_name = "regions"
urlpatterns = [
    path("", views.picker_page, name="picker"),
    path("anak/", views.children, name="children"),
]
