"""Organisation admin screens (/organisation/) and the invitation link (/accounts/invite/).

Every view that names a user looks them up through `organisation_member_get`, which
only finds users of the admin's own organisation: any other id is a 404.
"""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import queries, services
from accounts.forms import InviteAcceptForm, InviteForm, MFARequirementForm, RoleForm
from accounts.models import AccountEventKind
from accounts.roles import UserRole
from accounts.tokens import InviteLinkError, invite_token_user
from core.csvfile import csv_lines
from core.http import client_ip
from core.text import count_noun

AUDIT_PAGE_SIZE = 50


def organisation_admin_required(view: Callable) -> Callable:
    """Logged-in organisation (or service) admins only; anyone else logged in gets 404."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not (request.user.is_organisation_admin and request.user.organisation_id):
            raise Http404("Not an organisation admin.")
        return view(request, *args, **kwargs)

    return wrapper


@organisation_admin_required
def overview(request: HttpRequest) -> HttpResponse:
    organisation = request.user.organisation
    users = queries.organisation_users(organisation=organisation)
    return render(
        request,
        "organisation/overview.html",
        {
            "organisation": organisation,
            "user_count": users.filter(is_active=True).count(),
            "without_mfa": users.filter(is_active=True, has_mfa=False).count(),
        },
    )


@organisation_admin_required
@require_POST
def mfa_requirement(request: HttpRequest) -> HttpResponse:
    form = MFARequirementForm(request.POST)
    form.is_valid()
    required = form.cleaned_data.get("required", False)
    services.organisation_mfa_require(
        by=request.user, required=required, ip_address=client_ip(request)
    )
    if required:
        messages.success(
            request,
            "Two-factor authentication is now required: users without an authenticator "
            "app will be asked to set one up before they can do anything else.",
        )
    else:
        messages.success(request, "Two-factor authentication is now optional.")
    return redirect("organisation:overview")


@organisation_admin_required
def user_list(request: HttpRequest) -> HttpResponse:
    users = queries.organisation_users(organisation=request.user.organisation)
    return render(request, "organisation/user_list.html", {"users": users})


USERS_CSV_HEADER = ("E-mail", "Name", "Role", "State", "Last log-in", "Two-factor", "Joined")


@organisation_admin_required
@require_GET
def user_list_csv(request: HttpRequest) -> HttpResponse:
    """Every user account of the admin's organisation, as CSV (role, last log-in, MFA,
    state). Names and e-mail addresses come from people: cells are written inert."""
    users = queries.organisation_users(organisation=request.user.organisation)
    rows = (
        [
            user.email,
            user.full_name,
            UserRole(user.role).label,
            user.state,
            timezone.localtime(user.last_login).isoformat(timespec="seconds")
            if user.last_login
            else "",
            "yes" if user.has_mfa else "no",
            timezone.localtime(user.date_joined).date().isoformat(),
        ]
        for user in users
    )
    response = HttpResponse(
        "".join(csv_lines(USERS_CSV_HEADER, rows)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="users-{request.user.organisation.mpid}.csv"'
    )
    return response


USER_DELETE_CONFIRM = {
    "heading": "Delete this account?",
    "consequences": [
        "Their name, e-mail address, password and two-factor devices are removed for good, "
        "and every session they have open ends now.",
        "The audit keeps its records of what they did, under an anonymous id.",
        "This cannot be undone: to give them access again, invite them as a new user.",
    ],
    "button": "Delete the account",
}


@organisation_admin_required
@require_http_methods(["GET", "POST"])
def user_delete(request: HttpRequest, user_id: int) -> HttpResponse:
    """GET: a page that says what deleting does; the POST from it deletes."""
    member = queries.organisation_member_get(admin=request.user, user_id=user_id)
    if request.method == "GET":
        return render(
            request, "organisation/user_confirm.html", {"member": member, **USER_DELETE_CONFIRM}
        )
    email = member.email
    try:
        services.user_delete(by=request.user, user=member, ip_address=client_ip(request))
    except services.AccountError as error:
        messages.error(request, str(error))
        return redirect("organisation:user", user_id=member.pk)
    messages.success(request, f"The account {email} has been deleted; its data is anonymised.")
    return redirect("organisation:users")


@organisation_admin_required
@require_http_methods(["GET", "POST"])
def user_invite(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_invite(
                by=request.user,
                ip_address=client_ip(request),
                **form.cleaned_data,
            )
        except services.AccountError as error:
            form.add_error(None, str(error))
        else:
            # The same answer whether or not the address has an account in another
            # organisation (services.user_invite): the address as typed, the list.
            days = settings.ACCOUNT_INVITE_TIMEOUT // 86400
            messages.success(
                request,
                f"Invitation sent to {form.cleaned_data['email']}. "
                f"The link is valid for {count_noun(days, 'day')}.",
            )
            return redirect("organisation:users")
    return render(request, "organisation/user_invite.html", {"form": form})


@organisation_admin_required
@require_GET
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    member = queries.organisation_member_get(admin=request.user, user_id=user_id)
    events = queries.account_events_visible(viewer=request.user).filter(subject=member)[:20]
    return render(
        request,
        "organisation/user_detail.html",
        {
            "member": member,
            "role_form": RoleForm(initial={"role": member.role}),
            "events": events,
            "is_self": member.pk == request.user.pk,
            "invitation_pending": not member.has_usable_password() and not member.last_login,
        },
    )


def _user_action(
    action: Callable[..., object], success: str, confirm: dict | None = None
) -> Callable:
    """A view that applies one service to one member and reports the outcome.

    With `confirm` (a heading, what will happen, the button), a GET shows a page that
    says so and the POST from that page acts; without it the view is POST only.
    """

    @organisation_admin_required
    @require_http_methods(["GET", "POST"] if confirm else ["POST"])
    def view(request: HttpRequest, user_id: int) -> HttpResponse:
        member = queries.organisation_member_get(admin=request.user, user_id=user_id)
        if request.method == "GET":
            return render(request, "organisation/user_confirm.html", {"member": member, **confirm})
        try:
            action(request, member)
        except services.AccountError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, success.format(email=member.email))
        return redirect("organisation:user", user_id=member.pk)

    return view


def _role_change(request: HttpRequest, member) -> None:
    form = RoleForm(request.POST)
    if not form.is_valid():
        raise services.AccountError("Choose a role from the list.")
    services.user_role_change(
        by=request.user, user=member, role=form.cleaned_data["role"], ip_address=client_ip(request)
    )


user_role = _user_action(_role_change, "The role of {email} has been changed.")
user_deactivate = _user_action(
    lambda request, member: services.user_deactivate(
        by=request.user, user=member, ip_address=client_ip(request)
    ),
    "{email} has been deactivated and logged out everywhere.",
    confirm={
        "heading": "Deactivate this user?",
        "consequences": [
            "They can no longer log in, and every session they have open ends now.",
            "Their account and its history are kept; you can reactivate it later.",
        ],
        "button": "Deactivate",
    },
)
user_reactivate = _user_action(
    lambda request, member: services.user_reactivate(
        by=request.user, user=member, ip_address=client_ip(request)
    ),
    "{email} has been reactivated.",
)
user_password_reset = _user_action(
    lambda request, member: services.user_password_reset_send(
        by=request.user, user=member, request=request
    ),
    "A password reset e-mail has been sent to {email}. The link is valid for 1 hour.",
)
user_mfa_reset = _user_action(
    lambda request, member: services.user_mfa_reset(
        by=request.user, user=member, ip_address=client_ip(request)
    ),
    "Two-factor authentication has been reset for {email}.",
    confirm={
        "heading": "Reset this user's two-factor authentication?",
        "consequences": [
            "Their authenticator app and recovery codes stop working now.",
            "They log in next with their password alone; where two-factor authentication "
            "is required they must then set up a new authenticator before anything else.",
        ],
        "button": "Reset two-factor authentication",
    },
)
user_invite_resend = _user_action(
    lambda request, member: services.user_invite_resend(
        by=request.user, user=member, ip_address=client_ip(request)
    ),
    "A new invitation has been sent to {email}; earlier links no longer work.",
)


@organisation_admin_required
@require_GET
def audit(request: HttpRequest) -> HttpResponse:
    events = queries.account_events_visible(viewer=request.user)
    kind = request.GET.get("kind", "")
    if kind in AccountEventKind.values:
        events = events.filter(kind=kind)
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "organisation/audit.html",
        {"page": page, "kinds": AccountEventKind.choices, "kind": kind},
    )


@require_http_methods(["GET", "POST"])
def invite_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The invitee sets their password through the e-mailed link, then logs in."""
    try:
        invitee = invite_token_user(token=token)
    except InviteLinkError as error:
        return render(request, "account/invite_invalid.html", {"reason": str(error)}, status=400)
    if request.user.is_authenticated and request.user.pk != invitee.pk:
        messages.error(request, "Log out first: this invitation is for someone else.")
        return redirect("home")
    form = InviteAcceptForm(invitee, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.user_invite_accept(
            user=invitee, password=form.cleaned_data["new_password1"], ip_address=client_ip(request)
        )
        messages.success(request, "Your password is set. Log in with your e-mail address.")
        return redirect("account_login")
    return render(request, "account/invite_accept.html", {"form": form, "invitee": invitee})


@login_required
@require_GET
def email_address(request: HttpRequest) -> HttpResponse:
    """Shadows allauth's e-mail management: the e-mail address is the login and belongs
    to the organisation's records, so only an organisation admin or the service desk
    changes it (a user adding addresses of their own would change who can log in)."""
    return render(request, "account/email_managed.html")


@login_required
@require_POST
def session_keep_alive(request: HttpRequest) -> HttpResponse:
    """Answering is enough: SessionTimeoutMiddleware has stamped this request as activity.

    A session already ended never gets here: the middleware sends it to the login page.
    """
    return HttpResponse(status=204)
