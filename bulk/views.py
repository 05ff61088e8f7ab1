"""The bulk search screens: submit a list, follow a job (page and JSON status), cancel it."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from bulk.forms import BulkSearchForm
from bulk.presentation import bulk_search_status_document, web_result_url
from bulk.queries import bulk_search_get_for, bulk_searches_of
from bulk.services import (
    BulkQuotaExceeded,
    BulkSearchError,
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
    form = BulkSearchForm(request.POST or None, request.FILES or None)
    error, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = bulk_search_submit(
                    organisation=request.user.organisation,
                    kind=form.cleaned_data["kind"],
                    channel=SearchChannel.WEB,
                    # At most one byte more than allowed: enough to refuse a larger file.
                    data=upload.read(settings.BULK_SEARCH_MAX_BYTES + 1) if upload else None,
                    text=None if upload else form.cleaned_data["text"],
                    source_name=upload.name if upload else "pasted list",
                    user=request.user,
                    ip_address=client_ip(request),
                )
            except BulkSearchError as exc:
                error = str(exc)
                status = 429 if isinstance(exc, BulkQuotaExceeded) else 400
            else:
                return redirect("bulk:detail", pk=job.pk)
        else:
            status = 400
    return render(
        request,
        "bulk/home.html",
        {
            "form": form,
            "error": error,
            "jobs": bulk_searches_of(request.user.organisation_id)[:JOBS_LISTED],
            "max_rows": settings.BULK_SEARCH_MAX_ROWS,
            "max_mb": settings.BULK_SEARCH_MAX_BYTES // 2**20,
            "daily_rows": settings.BULK_SEARCH_DAILY_ROWS,
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
