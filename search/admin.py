from django.contrib import admin

from search.models import SearchEvent


@admin.register(SearchEvent)
class SearchEventAdmin(admin.ModelAdmin):
    """The audit trail: read only."""

    list_display = ["created_at", "organisation", "user", "api_key", "action", "kind", "query"]
    list_filter = ["action", "channel", "kind"]
    search_fields = ["query", "user__email", "organisation__mpid"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
