from django.contrib import admin

from reports.models import Report, ReportDownload


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Read-only: reports are made by services and removed by the purge."""

    list_display = ["title", "organisation", "kind", "created_at", "available_until", "row_count"]
    list_filter = ["kind"]
    search_fields = ["title", "organisation__mpid"]
    list_select_related = ["organisation"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReportDownload)
class ReportDownloadAdmin(admin.ModelAdmin):
    """The download audit: append-only, so nothing here can be changed."""

    list_display = ["downloaded_at", "user", "organisation", "report_title", "ip_address"]
    list_filter = ["channel"]
    search_fields = ["user__email", "organisation__mpid", "report_title"]
    list_select_related = ["user", "organisation"]
    date_hierarchy = "downloaded_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
