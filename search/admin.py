from django.contrib import admin
from rest_framework_api_key.models import APIKey

from search.models import OrganisationApiKey, SearchEvent

# The library's own key model is not used: keys belong to organisations.
admin.site.unregister(APIKey)


@admin.register(OrganisationApiKey)
class OrganisationApiKeyAdmin(admin.ModelAdmin):
    """Service admins see the keys; organisation admins create and revoke them on
    /organisation/api-keys/, where the key is shown once."""

    list_display = ["prefix", "name", "organisation", "created", "revoked", "revoked_at"]
    list_filter = ["revoked"]
    search_fields = ["name", "prefix", "organisation__mpid"]
    readonly_fields = ["prefix", "name", "organisation", "created_by", "created", "expiry_date"]
    fields = [*readonly_fields, "revoked", "revoked_at", "revoked_by"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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
