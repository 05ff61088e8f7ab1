"""/organisation/api-keys/: an organisation admin creates and revokes the organisation's keys."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import ApiKeyCreateForm
from accounts.models import User
from accounts.queries import api_keys_of
from accounts.services import ApiKeyError, api_key_create, api_key_revoke


def _admin_of_an_organisation(user: User) -> None:
    if not user.is_organisation_admin or user.organisation_id is None:
        raise PermissionDenied("Only organisation admins manage API keys.")


@require_http_methods(["GET", "POST"])
@login_required
@never_cache  # the new key is on the page once; no cache may keep it
def api_key_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _admin_of_an_organisation(user)
    form = ApiKeyCreateForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            api_key, new_key = api_key_create(
                organisation=user.organisation, name=form.cleaned_data["name"], created_by=user
            )
        except ApiKeyError as error:
            form.add_error("name", str(error))
        else:
            form = ApiKeyCreateForm()
            messages.success(request, f"API key “{api_key.name}” created.")
    return render(
        request,
        "organisation/api_keys.html",
        {"form": form, "keys": api_keys_of(user.organisation), "new_key": new_key},
    )


@require_POST
@login_required
def api_key_revoke_view(request: HttpRequest, prefix: str) -> HttpResponse:
    user = request.user
    _admin_of_an_organisation(user)
    # Another organisation's key answers 404, as if it did not exist.
    api_key = get_object_or_404(api_keys_of(user.organisation), prefix=prefix)
    try:
        api_key_revoke(api_key=api_key, revoked_by=user)
    except ApiKeyError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"API key “{api_key.name}” revoked: it no longer works.")
    return redirect("organisation:api-keys")
