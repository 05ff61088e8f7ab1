from functools import wraps

from allauth.mfa.models import Authenticator
from django.contrib import admin, messages
from django.contrib.auth import logout
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from rest_framework_api_key.models import APIKey

from accounts.models import AccountEvent, AccountEventKind, Organisation, OrganisationApiKey, User
from accounts.queries import user_has_mfa
from accounts.roles import UserRole
from accounts.services import (
    AccountError,
    account_event_record,
    admin_access_changes_record,
    organisation_deactivate,
    organisation_reactivate,
    user_sessions_end,
)
from accounts.sessions import session_is_service_desk
from core.http import client_ip
from core.text import count_noun


def admin_site_has_permission(request) -> bool:
    """Only active staff who are service admins, in a session that proved two factors.

    Django's own check is "active staff"; the MFA middleware already holds anyone with
    staff status on the set-up page, and this holds on its own as well.
    """
    return bool(session_is_service_desk(request) and request.user.is_staff)


def _admin_login(login_view):
    """The admin's login page: anonymous people go to the portal's login (its rate
    limits and second factor); signed-in people without admin access are refused, and
    staff whose session did not prove two factors log in again with them."""

    @wraps(login_view)
    def view(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.GET.get("next") or request.get_full_path())
        if not (user.is_active and user.is_staff and user.is_service_admin):
            raise PermissionDenied("Service administration is for the service desk.")
        if not user_has_mfa(user=user):
            return redirect("mfa_activate_totp")
        if not admin_site_has_permission(request):
            next_url = request.GET.get("next") or "/admin/"
            logout(request)
            messages.info(
                request,
                "Service administration needs a login with your authenticator app. "
                "Please log in again.",
            )
            return redirect_to_login(next_url)
        return login_view(request, *args, **kwargs)

    return view


admin.site.has_permission = admin_site_has_permission
admin.site.login = _admin_login(admin.site.login)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["mpid", "name", "role_codes", "is_active", "mfa_required"]
    list_filter = ["is_active", "mfa_required"]
    search_fields = ["mpid", "name"]
    # Deactivation ends sessions and is audited: only the actions below change it.
    readonly_fields = ["is_active"]
    actions = ["deactivate", "reactivate"]

    def _each(self, request, queryset, service, done: str) -> None:
        for organisation in queryset:
            try:
                service(by=request.user, organisation=organisation, ip_address=client_ip(request))
            except AccountError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, f"{organisation} {done}.", messages.SUCCESS)

    @admin.action(description="Deactivate the selected organisations (their users are logged out)")
    def deactivate(self, request, queryset):
        self._each(
            request, queryset, organisation_deactivate, "deactivated: its users are logged out"
        )

    @admin.action(description="Reactivate the selected organisations")
    def reactivate(self, request, queryset):
        self._each(request, queryset, organisation_reactivate, "reactivated")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "organisation", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active", "organisation"]
    search_fields = ["email", "full_name", "organisation__mpid"]
    list_select_related = ["organisation"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["full_name", "organisation", "role"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "email",
                    "organisation",
                    "role",
                    "usable_password",
                    "password1",
                    "password2",
                ],
            },
        ),
    ]
    readonly_fields = ["last_login", "date_joined"]

    def get_readonly_fields(self, request, obj=None):
        # Admin access is given by superusers only (accounts.services.user_admin_access_set).
        if request.user.is_superuser:
            return self.readonly_fields
        return [*self.readonly_fields, "is_staff", "is_superuser", "groups", "user_permissions"]

    def save_model(self, request, obj, form, change):
        # Changes made here are audited like those made on the organisation screens.
        before = User.objects.filter(pk=obj.pk).first() if change else None
        super().save_model(request, obj, form, change)
        if before is None:
            return
        audit = {"actor": request.user, "subject": obj, "ip_address": client_ip(request)}
        if "organisation" in form.changed_data:
            self._moved_record(before=before, user=obj, audit=audit)
        if {"is_staff", "is_superuser"} & set(form.changed_data):
            admin_access_changes_record(
                actor=request.user,
                user=obj,
                before=(before.is_staff, before.is_superuser),
                ip_address=audit["ip_address"],
                how="Django admin",
            )
        if "role" in form.changed_data:
            account_event_record(
                kind=AccountEventKind.ROLE_CHANGED,
                detail=f"to {UserRole(obj.role).label} (Django admin)",
                **audit,
            )
        if "is_active" in form.changed_data:
            if obj.is_active:
                account_event_record(kind=AccountEventKind.REACTIVATED, **audit)
            else:
                ended = user_sessions_end(user=obj)
                account_event_record(
                    kind=AccountEventKind.DEACTIVATED,
                    detail=f"{count_noun(ended, 'session')} ended (Django admin)",
                    **audit,
                )

    @staticmethod
    def _moved_record(*, before: User, user: User, audit: dict) -> None:
        # One line in each organisation's trail; neither names the other organisation
        # (the service desk sees both lines).
        if before.organisation_id:
            account_event_record(
                kind=AccountEventKind.ORGANISATION_MOVED,
                organisation=before.organisation,
                detail="moved to another organisation (Django admin)",
                **audit,
            )
        if user.organisation_id:
            account_event_record(
                kind=AccountEventKind.ORGANISATION_MOVED,
                organisation=user.organisation,
                detail="moved here from another organisation (Django admin)"
                if before.organisation_id
                else "given an organisation (Django admin)",
                **audit,
            )


admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    """Two-factor authenticators: listed, and deleted when a service admin resets one
    (audited). Never added or edited here, and the secret is never shown."""

    list_display = ["user", "type", "created_at", "last_used_at"]
    list_filter = ["type"]
    search_fields = ["user__email"]
    exclude = ["data"]
    readonly_fields = ["user", "type", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        self._removed_record(request, obj)
        super().delete_model(request, obj)
        self._recovery_codes_tidy([obj.user_id])

    def delete_queryset(self, request, queryset):
        user_ids = []
        for authenticator in queryset.select_related("user"):
            self._removed_record(request, authenticator)
            user_ids.append(authenticator.user_id)
        super().delete_queryset(request, queryset)
        self._recovery_codes_tidy(user_ids)

    @staticmethod
    def _recovery_codes_tidy(user_ids: list[int]) -> None:
        # Recovery codes belong to an authenticator app; without one they go too, as
        # when a user or an organisation admin removes it.
        with_app = Authenticator.objects.filter(user_id__in=user_ids).exclude(
            type=Authenticator.Type.RECOVERY_CODES
        )
        Authenticator.objects.filter(
            user_id__in=user_ids, type=Authenticator.Type.RECOVERY_CODES
        ).exclude(user_id__in=with_app.values("user_id")).delete()

    @staticmethod
    def _removed_record(request, authenticator: Authenticator) -> None:
        account_event_record(
            kind=AccountEventKind.MFA_RESET,
            actor=request.user,
            subject=authenticator.user,
            ip_address=client_ip(request),
            detail=f"{authenticator.get_type_display()} removed (Django admin)",
        )


@admin.register(AccountEvent)
class AccountEventAdmin(admin.ModelAdmin):
    """The audit trail, read-only: nobody adds, changes or deletes a line."""

    list_display = [
        "occurred_at",
        "kind",
        "actor_email",
        "subject_email",
        "organisation",
        "ip_address",
        "detail",
    ]
    list_filter = ["kind", "organisation"]
    search_fields = ["actor_email", "subject_email", "ip_address", "organisation__mpid"]
    date_hierarchy = "occurred_at"
    list_select_related = ["organisation"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
