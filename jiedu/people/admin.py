from django.contrib import admin

from .models import DrugType


@admin.register(DrugType)
class DrugTypeAdmin(admin.ModelAdmin):
    """The maintained drug list. Person files are not in the admin: they go through scope."""

    list_display = ["code", "name", "name_en", "category", "controlled_since", "is_active"]
    list_editable = ["is_active"]
