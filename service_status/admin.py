"""Admin screens for the service status. Every change goes through the services, audited."""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts.roles import MarketRole, UserRole
from service_status import policy, services
from service_status.models import (
    Broadcast,
    BroadcastUpdate,
    RetiredFunction,
    ServiceStatusChange,
    ServiceWindow,
)
from service_status.modes import ServiceMode
from service_status.policy import user_is_service_admin
from service_status.queries import mode_in_force, mode_without_window
from service_status.timefmt import uk_time


class ServiceAdminsOnly:
    """Only service admins see and change the service status in the admin."""

    def has_module_permission(self, request):
        return user_is_service_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return user_is_service_admin(request.user)

    def has_add_permission(self, request, obj=None):
        return user_is_service_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return user_is_service_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return user_is_service_admin(request.user)


class ChangeReasonForm(forms.ModelForm):
    change_reason = forms.CharField(
        label="Reason for this change",
        max_length=500,
        help_text="Recorded in the service status audit.",
    )


class WindowEndForm(forms.Form):
    """The confirmation of "End this window now": the reason goes into the audit."""

    reason = forms.CharField(
        label="Why are you ending the window?",
        max_length=500,
        help_text="Recorded in the service status audit, e.g. “deployment finished early”.",
        error_messages={
            "required": "Enter why you are ending the window: it is recorded in the audit.",
            "max_length": "Enter a reason of 500 characters or fewer.",
        },
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(self.fields["reason"].error_messages["required"])
        return reason


def window_is_over(window: ServiceWindow, at=None) -> bool:
    return window.ends_at <= (at or timezone.now())


@admin.register(ServiceWindow)
class ServiceWindowAdmin(ServiceAdminsOnly, admin.ModelAdmin):
    form = ChangeReasonForm
    list_display = ["__str__", "mode", "starts_at", "ends_at", "reason", "end_link"]
    list_filter = ["mode"]
    fields = ["mode", "starts_at", "ends_at", "reason", "message", "change_reason"]
    change_form_template = "admin/service_status/servicewindow/change_form.html"

    def has_delete_permission(self, request, obj=None):
        # Removing a window changes the mode: use `manage.py service_window remove ID
        # --reason ...`, or "End this window now" (confirmed, with a reason).
        return False

    def save_model(self, request, obj, form, change):
        # The form has already checked what the service checks (the model's constraint).
        services.service_window_save(
            window=obj, reason=form.cleaned_data["change_reason"], actor=request.user
        )

    @admin.display(description="End")
    def end_link(self, window):
        if window_is_over(window):
            return "Ended"
        return format_html(
            '<a href="{}">End this window now<span class="visually-hidden"> (#{})</span></a>',
            reverse("admin:service_status_servicewindow_end", args=[window.pk]),
            window.pk,
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/end/",
                self.admin_site.admin_view(self.end_view),
                name="service_status_servicewindow_end",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        window = self.get_object(request, unquote(object_id))
        extra = dict(extra_context or {})
        if window is not None and not window_is_over(window):
            extra["end_url"] = reverse("admin:service_status_servicewindow_end", args=[window.pk])
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def end_view(self, request, object_id):
        """ "End this window now": GET asks for confirmation and a reason and changes
        nothing; only the POST from that page ends the window, through the service."""
        if not user_is_service_admin(request.user):
            raise PermissionDenied
        window = self.get_object(request, unquote(object_id))
        if window is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        changelist = reverse("admin:service_status_servicewindow_changelist")
        change_url = reverse("admin:service_status_servicewindow_change", args=[window.pk])
        now = timezone.now()
        if window_is_over(window, now):
            messages.error(
                request,
                f"Window #{window.pk} already ended at {uk_time(window.ends_at)}: there is "
                "nothing to end, and nothing was changed.",
            )
            return redirect(change_url)
        form = WindowEndForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                ending = services.service_window_end(
                    window=window, reason=form.cleaned_data["reason"], actor=request.user
                )
            except services.ServiceStatusError as error:
                messages.error(request, str(error))
                return redirect(changelist)
            state = mode_in_force(fresh=True)
            if ending == services.WindowEnding.ENDED:
                text = (
                    f"Window #{window.pk} has ended. The service is now "
                    f"{state.label.lower()}. The change is in the service status audit."
                )
            else:
                text = (
                    f"Window #{window.pk} was called off: it will not start. "
                    "The change is in the service status audit."
                )
            messages.success(request, text)
            return redirect(changelist)
        context = {
            **self.admin_site.each_context(request),
            "title": "End this window now",
            "window": window,
            "started": window.starts_at <= now,
            "now": now,
            "before": mode_in_force(fresh=True, at=now),
            "after": mode_without_window(window.pk, at=now),
            "announced": window.starts_at
            <= now + timedelta(days=settings.SERVICE_STATUS_ANNOUNCE_DAYS),
            "form": form,
            "cancel_url": change_url,
            "opts": self.opts,
            "original": window,
        }
        return TemplateResponse(
            request,
            "admin/service_status/servicewindow/end_confirm.html",
            context,
        )


@admin.register(RetiredFunction)
class RetiredFunctionAdmin(ServiceAdminsOnly, admin.ModelAdmin):
    form = ChangeReasonForm
    list_display = ["function", "retired_from", "message"]
    fields = ["function", "retired_from", "message", "change_reason"]

    def save_model(self, request, obj, form, change):
        services.retired_function_set(
            function=obj.function,
            retired_from=obj.retired_from,
            message=obj.message,
            reason=form.cleaned_data["change_reason"],
            actor=request.user,
        )

    def delete_model(self, request, obj):
        services.retired_function_remove(
            retirement=obj, reason="withdrawn in the admin", actor=request.user
        )

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class BroadcastForm(forms.ModelForm):
    market_role_codes = forms.MultipleChoiceField(
        label="Market roles",
        choices=MarketRole.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Empty: every market role.",
    )
    user_roles = forms.MultipleChoiceField(
        choices=UserRole.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Empty: every portal role.",
    )

    class Meta:
        model = Broadcast
        fields = [
            "title",
            "severity",
            "body",
            "active_from",
            "active_until",
            "organisations",
            "market_role_codes",
            "user_roles",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["market_role_codes"] = list(self.instance.market_role_codes)
            self.initial["user_roles"] = self.instance.user_role_list

    change_reason = forms.CharField(
        label="Reason for this change",
        max_length=500,
        required=False,
        help_text="Optional; recorded in the service status audit.",
    )

    def clean_market_role_codes(self):
        return "".join(sorted(self.cleaned_data["market_role_codes"]))

    def clean_user_roles(self):
        return ",".join(self.cleaned_data["user_roles"])

    def clean(self):
        """The service's own checks (e.g. an end before the start), shown on the form."""
        cleaned = super().clean()
        if self.errors:
            return cleaned
        probe = Broadcast(
            title=cleaned.get("title", ""),
            body=cleaned.get("body", ""),
            severity=cleaned.get("severity", ""),
            active_from=cleaned.get("active_from") or timezone.now(),
            active_until=cleaned.get("active_until"),
            market_role_codes=cleaned.get("market_role_codes", ""),
            user_roles=cleaned.get("user_roles", ""),
        )
        try:
            services.broadcast_check(probe)
        except services.ServiceStatusError as error:
            raise forms.ValidationError(str(error)) from error
        return cleaned


class BroadcastUpdateInline(admin.StackedInline):
    """Updates are posted, never edited: earlier ones show read-only, a new one is now.

    Stacked, not tabular: a tabular inline's inputs have a column heading but no label.
    """

    model = BroadcastUpdate
    extra = 1
    fields = ["posted_at", "text"]
    readonly_fields = ["posted_at"]
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Broadcast)
class BroadcastAdmin(ServiceAdminsOnly, admin.ModelAdmin):
    form = BroadcastForm
    inlines = [BroadcastUpdateInline]
    list_display = ["title", "severity", "active_from", "active_until"]
    list_filter = ["severity"]
    filter_horizontal = ["organisations"]

    def has_delete_permission(self, request, obj=None):
        # A broadcast is ended (it stays on the status page's timeline), not deleted.
        return False

    def save_model(self, request, obj, form, change):
        services.broadcast_save(
            broadcast=obj,
            organisations=form.cleaned_data["organisations"],
            reason=form.cleaned_data["change_reason"],
            actor=request.user,
        )

    def save_related(self, request, form, formsets, change):
        # The organisations were set by the service; new updates are posted through it.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        for update in formset.save(commit=False):
            services.broadcast_update_post(
                broadcast=form.instance, text=update.text, actor=request.user
            )


class ModeChangeForm(forms.Form):
    SCHEDULE = "schedule"
    mode = forms.ChoiceField(
        choices=[*ServiceMode.choices, (SCHEDULE, "Follow the schedule (clear the manual mode)")]
    )
    until = forms.DateTimeField(
        required=False,
        help_text="UK time, e.g. 2019-06-28 20:00. Empty: until changed.",
    )
    reason = forms.CharField(max_length=200, help_text="Recorded in the audit.")
    message = forms.CharField(widget=forms.Textarea, required=False, help_text="Shown to users.")


class PreviewForm(forms.Form):
    at = forms.DateTimeField(label="At", help_text="UK time, e.g. 2019-06-28 18:30.")


@admin.register(ServiceStatusChange)
class ServiceStatusChangeAdmin(ServiceAdminsOnly, admin.ModelAdmin):
    """The audit (read-only), and the screen that sets the manual mode."""

    list_display = ["at", "actor_label", "action", "mode_before", "mode_after", "subject", "reason"]
    list_filter = ["action"]
    change_list_template = "admin/service_status/servicestatuschange/change_list.html"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "mode/",
                self.admin_site.admin_view(self.mode_view),
                name="service_status_service_mode",
            ),
            path(
                "preview/",
                self.admin_site.admin_view(self.preview_view),
                name="service_status_service_preview",
            ),
            *super().get_urls(),
        ]

    def mode_view(self, request):
        """GET shows the mode and the form; only a POST (with its CSRF token) changes it."""
        if not user_is_service_admin(request.user):
            raise PermissionDenied
        form = ModeChangeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                if data["mode"] == ModeChangeForm.SCHEDULE:
                    services.service_mode_clear(reason=data["reason"], actor=request.user)
                else:
                    services.service_mode_set(
                        mode=data["mode"],
                        until=data["until"],
                        reason=data["reason"],
                        message=data["message"],
                        actor=request.user,
                    )
            except services.ServiceStatusError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "The service mode was changed and audited.")
                return redirect(reverse("admin:service_status_service_mode"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Service mode",
            "form": form,
            "state": mode_in_force(fresh=True),
            "now": timezone.now(),
            "recent": ServiceStatusChange.objects.all()[:10],
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/service_status/service_mode.html", context)

    def preview_view(self, request):
        """The rehearsal: the access policy asked about another moment. Reads only."""
        if not user_is_service_admin(request.user):
            raise PermissionDenied
        form = PreviewForm(request.GET or None, initial={"at": timezone.localtime()})
        rehearsal = policy.rehearse(at=form.cleaned_data["at"]) if form.is_valid() else None
        context = {
            **self.admin_site.each_context(request),
            "title": "Rehearse a moment",
            "form": form,
            "rehearsal": rehearsal,
            "personas": list(policy.Persona),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/service_status/service_preview.html", context)
