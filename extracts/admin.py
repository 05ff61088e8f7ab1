"""Migration runs are started and followed here (service admins); the rest is read-only."""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse

from accounts.roles import MarketRole
from core.text import count_noun
from extracts.kinds import ExtractKind
from extracts.models import Extract, ExtractDisclosure, MigrationRun, SshPublicKey
from extracts.queries import migration_run_parties, migration_run_totals
from extracts.services import (
    ExtractError,
    migration_run_broadcast,
    migration_run_resume,
    migration_run_start,
)


class MigrationRunForm(forms.ModelForm):
    kind = forms.ChoiceField(
        choices=ExtractKind.choices, initial=ExtractKind.METER_TECHNICAL_DETAILS
    )
    role_code = forms.ChoiceField(
        label="For every active organisation with the role",
        choices=MarketRole.choices,
        initial=MarketRole.METER_OPERATOR,
    )

    class Meta:
        model = MigrationRun
        fields = ["kind", "role_code"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MigrationRun)
class MigrationRunAdmin(admin.ModelAdmin):
    form = MigrationRunForm
    list_display = ["__str__", "created_at", "created_by", "totals", "broadcast_posted_at"]
    change_form_template = "admin/extracts/migrationrun/change_form.html"

    def has_add_permission(self, request):
        return request.user.is_service_admin

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["kind", "role_code", "created_at", "created_by", "broadcast_posted_at"]

    @admin.display(description="Files")
    def totals(self, run: MigrationRun) -> str:
        totals = migration_run_totals(run)
        return f"{totals.generated_text}, {totals.collected_text}"

    def add_view(self, request, form_url="", extra_context=None):
        form = MigrationRunForm(request.POST or None)
        if request.method == "POST" and form.is_valid() and self.has_add_permission(request):
            try:
                run = migration_run_start(
                    kind=form.cleaned_data["kind"],
                    role_code=form.cleaned_data["role_code"],
                    actor=request.user,
                )
            except ExtractError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                files = run.extracts.count()
                self.message_user(
                    request,
                    f"Run started: {count_noun(files, 'file')} "
                    f"{'is' if files == 1 else 'are'} being generated.",
                )
                return HttpResponseRedirect(
                    reverse("admin:extracts_migrationrun_change", args=[run.pk])
                )
        return super().add_view(request, form_url, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, object_id)
        extra = extra_context or {}
        if run is not None:
            extra.update(parties=migration_run_parties(run), totals=migration_run_totals(run))
        return super().change_view(request, object_id, form_url, extra)

    def get_urls(self):
        own = [
            path(
                "<path:object_id>/broadcast/",
                self.admin_site.admin_view(self.broadcast_view),
                name="extracts_migrationrun_broadcast",
            ),
            path(
                "<path:object_id>/resume/",
                self.admin_site.admin_view(self.resume_view),
                name="extracts_migrationrun_resume",
            ),
        ]
        return own + super().get_urls()

    def _run_for_post(self, request, object_id):
        if request.method != "POST" or not request.user.is_service_admin:
            return None
        return get_object_or_404(MigrationRun, pk=object_id)

    def broadcast_view(self, request, object_id):
        run = self._run_for_post(request, object_id)
        if run is not None:
            try:
                migration_run_broadcast(run=run, actor=request.user)
            except ExtractError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, "The broadcast update has been posted.")
        return HttpResponseRedirect(reverse("admin:extracts_migrationrun_change", args=[object_id]))

    def resume_view(self, request, object_id):
        run = self._run_for_post(request, object_id)
        if run is not None:
            queued = migration_run_resume(run=run)
            self.message_user(request, f"{count_noun(queued, 'file')} queued again.")
        return HttpResponseRedirect(reverse("admin:extracts_migrationrun_change", args=[object_id]))


@admin.register(Extract)
class ExtractAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "trigger", "status", "requested_at", "row_count", "run"]
    list_filter = ["kind", "trigger", "status"]
    search_fields = ["organisation__mpid"]
    list_select_related = ["organisation", "run"]


@admin.register(ExtractDisclosure)
class ExtractDisclosureAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "organisation", "kind", "trigger", "requested_by", "row_count"]
    list_filter = ["kind", "trigger"]
    list_select_related = ["organisation", "requested_by"]


@admin.register(SshPublicKey)
class SshPublicKeyAdmin(ReadOnlyAdmin):
    list_display = ["name", "user", "organisation", "fingerprint", "created_at", "removed_at"]
    search_fields = ["user__email", "organisation__mpid", "fingerprint"]
    list_select_related = ["user", "organisation"]
