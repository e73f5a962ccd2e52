from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import User


@admin.register(User)
class DtksUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Peran dan wilayah", {"fields": ("role", "region_code")}))
    list_display = ("username", "first_name", "last_name", "role", "region_code", "is_active")
    list_filter = ("role", "is_active")
