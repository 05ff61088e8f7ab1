from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.http import client_ip
from reports.forms import ReportFilterForm
from reports.models import Report
from reports.queries import reports_filter, reports_visible_to
from reports.services import ReportExpiredError, report_download_record

REPORTS_PER_PAGE = 25


@require_GET
@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    form = ReportFilterForm(request.GET or None)
    reports = reports_visible_to(user=request.user)
    if form.is_bound and form.is_valid():
        reports = reports_filter(reports, **form.cleaned_data)
    elif form.is_bound:
        reports = reports.none()
    page = Paginator(reports, REPORTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reports/report_list.html",
        {
            "form": form,
            "page": page,
            "filter_query": query.urlencode(),
            "show_organisation": request.user.is_service_admin,
        },
    )


@require_GET
@login_required
@never_cache
def report_download(request: HttpRequest, pk: int) -> HttpResponse:
    report: Report = get_object_or_404(reports_visible_to(user=request.user), pk=pk)
    try:
        report_download_record(report=report, user=request.user, ip_address=client_ip(request))
    except ReportExpiredError as error:
        return render(
            request,
            "reports/report_expired.html",
            {"report": report, "message": str(error)},
            status=410,
        )
    # FileResponse streams the open file in blocks; the file is never read whole.
    return FileResponse(
        report.file.open("rb"),
        as_attachment=True,
        filename=report.download_name,
        content_type=report.content_type,
    )
