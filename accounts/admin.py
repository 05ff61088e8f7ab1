from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from rest_framework_api_key.models import APIKey

from accounts.models import AccountEvent, AccountEventKind, Organisation, OrganisationApiKey, User
from accounts.roles import UserRole
from accounts.services import account_event_record, user_sessions_end
from core.http import client_ip

# The admin logs in through allauth's login, so its rate limits and the second factor
# apply to service admins too.
admin.site.login = secure_admin_login(admin.site.login)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["mpid", "name", "role_codes", "is_active", "mfa_required"]
    list_filter = ["is_active", "mfa_required"]
    search_fields = ["mpid", "name"]


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

    def save_model(self, request, obj, form, change):
        # Changes made here are audited like those made on the organisation screens.
        super().save_model(request, obj, form, change)
        if not change:
            return
        audit = {"actor": request.user, "subject": obj, "ip_address": client_ip(request)}
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
                    detail=f"{ended} session(s) ended (Django admin)",
                    **audit,
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
