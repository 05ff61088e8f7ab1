from django.contrib import admin

from bulk.models import BulkSearch


@admin.register(BulkSearch)
class BulkSearchAdmin(admin.ModelAdmin):
    """Bulk searches are their own audit: read only, never deleted."""

    list_display = [
        "id",
        "created_at",
        "organisation",
        "user",
        "api_key",
        "kind",
        "total_rows",
        "bad_row_count",
        "status",
    ]
    list_filter = ["status", "kind", "channel"]
    search_fields = ["organisation__mpid", "user__email", "source_name"]
    date_hierarchy = "created_at"
    exclude = ["input_file"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
