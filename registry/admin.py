from django.contrib import admin, messages

from core.text import count_noun
from registry.errors import FlowFileError
from registry.models import FlowFile, FlowFileStatus, Meter, MeteringPoint, RelatedMpan
from registry.services import flow_file_reprocess


class ReadOnlyAdmin(admin.ModelAdmin):
    """The registry changes only through flow files; the admin only shows it."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class MeterInline(admin.TabularInline):
    model = Meter
    fields = ["serial", "meter_type", "installation_date", "removal_date", "map_mpid"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MeteringPoint)
class MeteringPointAdmin(ReadOnlyAdmin):
    list_display = ["mpan_core", "postcode", "address_line_1", "supplier_mpid", "mop_mpid"]
    # Exact-match lookups only: a LIKE search over 32 million rows would scan them all.
    search_fields = ["=mpan_core", "=postcode_key"]
    show_full_result_count = False
    inlines = [MeterInline]


@admin.register(RelatedMpan)
class RelatedMpanAdmin(ReadOnlyAdmin):
    list_display = ["metering_point", "related", "effective_date"]
    search_fields = ["=metering_point__mpan_core"]
    show_full_result_count = False


@admin.register(FlowFile)
class FlowFileAdmin(ReadOnlyAdmin):
    list_display = ["id", "original_name", "flow_id", "version", "sender", "status", "received_at"]
    list_filter = ["status", "flow_id", "channel"]
    search_fields = ["=sha256", "original_name"]
    actions = ["reprocess"]

    @admin.action(description="Process the selected rejected files again")
    def reprocess(self, request, queryset):
        done = 0
        for flow_file in queryset.filter(status=FlowFileStatus.REJECTED):
            try:
                flow_file_reprocess(flow_file_id=flow_file.pk)
            except FlowFileError as refused:  # e.g. its stored copy was removed
                self.message_user(request, str(refused), level=messages.WARNING)
                continue
            done += 1
        self.message_user(request, f"{count_noun(done, 'file')} queued again.")
