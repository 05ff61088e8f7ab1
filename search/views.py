"""The search screens: results, the metering-point detail, the CSV export and usage."""

from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.csvfile import csv_lines
from core.http import client_ip
from search.forms import UsageFilterForm
from search.models import SearchAction, SearchChannel
from search.parsing import SearchInputError, SearchKind, SearchQuery, mpan_parse, search_parse
from search.presentation import CSV_HEADER, csv_row, detail_sections
from search.queries import (
    SearchPaginator,
    metering_point_detail,
    metering_points_search,
    meters_attach,
    search_usage,
)
from search.services import DailyCapReached, lookup_allowance_check, search_event_record

RESULTS_PER_PAGE = 50


def _record(request: HttpRequest, action: SearchAction, query: SearchQuery, count: int) -> None:
    search_event_record(
        user=request.user,
        action=action,
        channel=SearchChannel.WEB,
        query=query,
        result_count=count,
        ip_address=client_ip(request),
    )


def _search_page(request: HttpRequest, text: str, *, message: str = "", status: int = 200):
    return render(request, "search/results.html", {"q": text, "message": message}, status=status)


def _query_allowed(request: HttpRequest, text: str, *, bad_input_status: int):
    """Parse the search box and check the daily cap: (query, None), or (None, the page
    that says what is wrong)."""
    try:
        query = search_parse(text)
        lookup_allowance_check(user=request.user)
    except SearchInputError as error:
        return None, _search_page(request, text, message=str(error), status=bad_input_status)
    except DailyCapReached as error:
        return None, _search_page(request, text, message=str(error), status=429)
    return query, None


@require_GET
@login_required
@never_cache
def search_results(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "")
    query, refused = _query_allowed(request, text, bad_input_status=200)
    if refused:
        return refused

    points = metering_points_search(query, page=True)
    page = SearchPaginator(points, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    if query.kind is SearchKind.MPAN and page.paginator.count == 1:
        # Straight to the detail; the detail view records this lookup, so an MPAN
        # search is one event and counts once against the cap.
        return redirect("search:detail", mpan_core=query.key)
    _record(request, SearchAction.SEARCH, query, page.paginator.count)
    page.object_list = list(page.object_list)
    meters_attach(page.object_list)
    return render(
        request,
        "search/results.html",
        {
            "q": text,
            "query": query,
            "page": page,
            "paging_query": urlencode({"q": text}),
            "export_url": f"{reverse('search:export')}?{urlencode({'q': text})}",
        },
    )


@require_GET
@login_required
@never_cache
def metering_point_detail_view(request: HttpRequest, mpan_core: str) -> HttpResponse:
    try:
        core = mpan_parse(mpan_core)
        lookup_allowance_check(user=request.user)
    except SearchInputError as error:
        return _search_page(request, mpan_core, message=str(error), status=404)
    except DailyCapReached as error:
        return _search_page(request, mpan_core, message=str(error), status=429)
    if core != mpan_core:
        return redirect("search:detail", mpan_core=core)

    detail = metering_point_detail(core)
    query = SearchQuery(SearchKind.MPAN, core)
    _record(request, SearchAction.DETAIL, query, 1 if detail else 0)
    if detail is None:
        return _search_page(
            request, core, message=f"No metering point found with MPAN core {core}.", status=404
        )
    return render(
        request,
        "search/detail.html",
        {"detail": detail, "point": detail.point, "sections": detail_sections(detail)},
    )


def _csv_lines(points) -> Iterator[str]:
    # iterator() with a chunk size still prefetches the meters, one query per chunk.
    rows = (csv_row(point) for point in points.iterator(chunk_size=1000))
    return csv_lines(CSV_HEADER, rows)


@require_GET
@login_required
@never_cache
def search_export(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "")
    query, refused = _query_allowed(request, text, bad_input_status=400)
    if refused:
        return refused

    points = metering_points_search(query)
    count = points.count()
    limit = settings.SEARCH_EXPORT_MAX_ROWS
    if count > limit:
        return _search_page(
            request,
            text,
            message=f"This search found {count:,} metering points; an export holds at most "
            f"{limit:,}. Add a building number or name to narrow it.",
            status=400,
        )
    _record(request, SearchAction.EXPORT, query, count)
    response = StreamingHttpResponse(_csv_lines(points), content_type="text/csv; charset=utf-8")
    name = "".join(char for char in query.display if char.isalnum()) or "search"
    response["Content-Disposition"] = f'attachment; filename="metering-points-{name}.csv"'
    return response


@require_GET
@login_required
def search_usage_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_organisation_admin:
        raise PermissionDenied("Only organisation admins see search usage.")
    form = UsageFilterForm(request.GET, service_admin=user.is_service_admin)
    rows = []
    if form.is_valid():
        rows = search_usage(
            viewer=user,
            date_from=form.cleaned_data["date_from"],
            date_to=form.cleaned_data["date_to"],
            organisation=form.cleaned_data.get("organisation"),
        )
    per_user: dict[str, int] = {}
    for row in rows:
        per_user[row.user] = per_user.get(row.user, 0) + row.total
    return render(
        request,
        "search/usage.html",
        {
            "form": form,
            "rows": rows,
            "per_user": sorted(per_user.items(), key=lambda item: (-item[1], item[0])),
            "show_organisation": user.is_service_admin,
        },
    )
