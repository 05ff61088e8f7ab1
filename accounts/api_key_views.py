"""/organisation/api-keys/: an organisation admin creates and revokes the organisation's keys."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.forms import ApiKeyCreateForm, ApiKeyRevokeForm
from accounts.models import User
from accounts.queries import api_keys_of
from accounts.services import ApiKeyError, api_key_create, api_key_revoke

# The new key's text waits in the session between the POST that made it and the GET
# that shows it (post/redirect/get): the GET takes it out, so a reload shows it no more
# and cannot make a second key.
NEW_KEY_SESSION = "api_key_new"


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
    if request.method == "POST" and form.is_valid():
        try:
            api_key, key_text = api_key_create(
                organisation=user.organisation, name=form.cleaned_data["name"], created_by=user
            )
        except ApiKeyError as error:
            form.add_error("name", str(error))
        else:
            request.session[NEW_KEY_SESSION] = {"name": api_key.name, "key": key_text}
            return redirect("organisation:api-keys")
    new_key = request.session.pop(NEW_KEY_SESSION, None) if request.method == "GET" else None
    return render(
        request,
        "organisation/api_keys.html",
        {
            "form": form,
            "keys": api_keys_of(user.organisation),
            "new_key": new_key,
            "key_limit": settings.API_KEYS_PER_ORGANISATION,
            "key_cap": settings.SEARCH_API_KEY_DAILY_CAP,
            "organisation_cap": settings.SEARCH_ORGANISATION_DAILY_CAP,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def api_key_revoke_view(request: HttpRequest, prefix: str) -> HttpResponse:
    """A page that says what revoking does and asks for the key's name, then revokes."""
    user = request.user
    _admin_of_an_organisation(user)
    # Another organisation's key answers 404, as if it did not exist.
    api_key = get_object_or_404(api_keys_of(user.organisation), prefix=prefix)
    form = ApiKeyRevokeForm(request.POST or None, api_key=api_key)
    if request.method == "POST" and form.is_valid():
        try:
            api_key_revoke(api_key=api_key, revoked_by=user)
        except ApiKeyError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"API key “{api_key.name}” revoked: it no longer works.")
        return redirect("organisation:api-keys")
    return render(request, "organisation/api_key_revoke.html", {"form": form, "api_key": api_key})
