"""The extracts screen (files, on-demand request, weekly subscription, SFTP details) and
the SSH keys screen. Downloads go through the report archive (`reports:download`)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.http import client_ip
from extracts.forms import SshKeyForm
from extracts.kinds import ExtractKind
from extracts.models import PortfolioSubscription
from extracts.queries import extracts_visible_to, sftp_host_key_fingerprint, ssh_keys_visible_to
from extracts.services import (
    ExtractError,
    extract_request,
    portfolio_subscription_set,
    ssh_key_add,
    ssh_key_remove,
)

EXTRACTS_SHOWN = 50


def _sftp_details() -> dict:
    return {
        "sftp_host": settings.SFTP_PUBLIC_HOST,
        "sftp_port": settings.SFTP_PORT,
        "sftp_fingerprint": sftp_host_key_fingerprint(),
    }


@require_GET
@login_required
def extract_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    subscribed = PortfolioSubscription.objects.filter(organisation_id=user.organisation_id).exists()
    return render(
        request,
        "extracts/extract_list.html",
        {
            "extracts": extracts_visible_to(user=user)[:EXTRACTS_SHOWN],
            "subscribed": subscribed,
            "per_day": settings.EXTRACT_ON_DEMAND_PER_DAY,
            **_sftp_details(),
        },
    )


def _admins_only(request: HttpRequest) -> None:
    if not request.user.is_organisation_admin:
        raise PermissionDenied("Only organisation admins request extracts.")


@require_POST
@login_required
def extract_request_view(request: HttpRequest) -> HttpResponse:
    _admins_only(request)
    try:
        extract_request(user=request.user, kind=ExtractKind.PORTFOLIO)
    except ExtractError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, "Your portfolio is being made; it appears below when it is ready."
        )
    return redirect("extracts:list")


@require_POST
@login_required
def subscription_view(request: HttpRequest) -> HttpResponse:
    _admins_only(request)
    subscribed = request.POST.get("subscribed") == "yes"
    try:
        portfolio_subscription_set(user=request.user, subscribed=subscribed)
    except ExtractError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            "You will get your portfolio every Monday."
            if subscribed
            else "The weekly portfolio has been stopped.",
        )
    return redirect("extracts:list")


@require_http_methods(["GET", "POST"])
@login_required
def ssh_key_list(request: HttpRequest) -> HttpResponse:
    form = SshKeyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                key = ssh_key_add(
                    user=request.user,
                    name=form.cleaned_data["name"],
                    text=form.cleaned_data["public_key"],
                    ip_address=client_ip(request),
                )
            except ExtractError as error:
                form.add_error("public_key", str(error))
            else:
                messages.success(request, f"Key “{key.name}” added ({key.fingerprint}).")
                return redirect("extracts:ssh-keys")
        status = 400
    return render(
        request,
        "extracts/ssh_keys.html",
        {"form": form, "keys": ssh_keys_visible_to(user=request.user), **_sftp_details()},
        status=status,
    )


@require_POST
@login_required
def ssh_key_remove_view(request: HttpRequest, key_id: int) -> HttpResponse:
    # Only keys the user may see can be found: anyone else's is a 404.
    key = get_object_or_404(ssh_keys_visible_to(user=request.user), pk=key_id)
    try:
        ssh_key_remove(actor=request.user, key=key, ip_address=client_ip(request))
    except ExtractError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Key “{key.name}” removed: it no longer logs in.")
    return redirect("extracts:ssh-keys")
