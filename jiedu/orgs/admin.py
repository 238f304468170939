from django.contrib import admin

from .models import OrgUnit


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    """Read-mostly: the tree is edited through the org pages (services keep paths right)."""

    list_display = ["name", "code", "kind", "division_code", "is_active"]
    search_fields = ["name", "code"]
    readonly_fields = ["path", "depth", "numchild"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
