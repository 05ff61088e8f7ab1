"""The bulk search screens: submit a list, follow a job (page and JSON status), cancel it."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from bulk.forms import BulkSearchForm
from bulk.held import held_file_drop, held_file_get, held_file_keep, held_file_read
from bulk.presentation import bulk_search_status_document, web_result_url
from bulk.queries import bulk_points_today, bulk_search_get_for, bulk_searches_of
from bulk.services import (
    BulkQuotaExceeded,
    BulkSearchError,
    BulkWrongKind,
    bulk_search_cancel,
    bulk_search_submit,
)
from core.http import client_ip
from search.models import SearchChannel

BAD_ROWS_SHOWN = 100
JOBS_LISTED = 20


@login_required
@never_cache
def bulk_search_home(request: HttpRequest) -> HttpResponse:
    held = held_file_get(request)
    form = BulkSearchForm(request.POST or None, request.FILES or None, held=held)
    error, error_href, status = "", "", 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload:
                # At most one byte more than allowed: enough to refuse a larger file.
                data, source_name = upload.read(settings.BULK_SEARCH_MAX_BYTES + 1), upload.name
            elif form.cleaned_data["use_held"]:
                data, source_name = held_file_read(held), held.source_name
            else:
                data, source_name = None, "pasted list"
            try:
                job = bulk_search_submit(
                    organisation=request.user.organisation,
                    kind=form.cleaned_data["kind"],
                    channel=SearchChannel.WEB,
                    data=data,
                    text=None if data is not None else form.cleaned_data["text"],
                    source_name=source_name,
                    user=request.user,
                    ip_address=client_ip(request),
                )
            except BulkWrongKind as exc:
                # The error names the right kind, which is chosen for the user, and the
                # file is kept so they need not choose it again.
                error, error_href, status = str(exc), "#id_kind_0", 400
                if data is not None:
                    held = held_file_keep(request, data=data, source_name=source_name)
                form = form.with_kind(exc.right_kind, held=held if data is not None else None)
            except BulkSearchError as exc:
                error = str(exc)
                status = 429 if isinstance(exc, BulkQuotaExceeded) else 400
            else:
                held_file_drop(request)
                return redirect("bulk:detail", pk=job.pk)
        else:
            status = 400
    return render(
        request,
        "bulk/home.html",
        {
            "form": form,
            "error": error,
            "error_href": error_href,
            "jobs": bulk_searches_of(request.user.organisation_id)[:JOBS_LISTED],
            "max_rows": settings.BULK_SEARCH_MAX_ROWS,
            "max_mb": settings.BULK_SEARCH_MAX_BYTES // 2**20,
            "daily_points": settings.BULK_SEARCH_DAILY_POINTS,
            "user_cap": settings.SEARCH_DAILY_CAP,
            "points_today": bulk_points_today(organisation=request.user.organisation)
            if request.user.organisation
            else 0,
        },
        status=status,
    )


@require_GET
@login_required
@never_cache
def bulk_search_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = bulk_search_get_for(user=request.user, pk=pk)
    return render(
        request,
        "bulk/detail.html",
        {
            "job": job,
            "result_url": web_result_url(job),
            "bad_rows": job.bad_rows[:BAD_ROWS_SHOWN],
        },
    )


@require_GET
@login_required
@never_cache
def bulk_search_status(request: HttpRequest, pk: int) -> JsonResponse:
    job = bulk_search_get_for(user=request.user, pk=pk)
    return JsonResponse(bulk_search_status_document(job, result_url=web_result_url(job)))


@require_POST
@login_required
def bulk_search_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = bulk_search_get_for(user=request.user, pk=pk)
    try:
        bulk_search_cancel(bulk_search_id=job.pk)
    except BulkSearchError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The bulk search was cancelled.")
    return redirect("bulk:detail", pk=job.pk)
