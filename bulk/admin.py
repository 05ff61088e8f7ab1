from django.contrib import admin

from bulk.models import BulkSearch, BulkSearchInput


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


@admin.register(BulkSearchInput)
class BulkSearchInputAdmin(admin.ModelAdmin):
    """The lists bulk searches were given: an audit trail, read only."""

    list_display = ["bulk_search", "created_at", "kind", "source_name"]
    list_filter = ["kind"]
    search_fields = ["bulk_search__id", "source_name"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
