from django.contrib import admin

from .models import AccessLogEntry, ChangeLogEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    """Audit rows can be read in the admin but never added, changed or deleted."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ChangeLogEntry)
class ChangeLogEntryAdmin(ReadOnlyAdmin):
    list_display = ["time", "username", "action", "object_type", "object_repr", "person_pk"]
    list_filter = ["action", "object_type"]
    search_fields = ["username", "object_repr", "request_id"]


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(ReadOnlyAdmin):
    list_display = ["time", "username", "action", "person_pk", "query", "channel"]
    list_filter = ["action", "channel"]
    search_fields = ["username", "request_id"]
