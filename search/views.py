"""The search screens: results, the metering-point detail, the CSV export and usage."""

from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.csvfile import csv_lines
from core.http import client_ip
from search.data_items import EVERY_ITEM, DataItem, data_items_for
from search.forms import AddressSearchForm, UsageFilterForm
from search.models import SearchAction, SearchChannel
from search.parsing import (
    ADDRESS_FIELDS,
    SearchInputError,
    SearchKind,
    SearchQuery,
    address_fields_parse,
    mpan_parse,
    partial_postcode_hint,
    search_parse,
    uprn_parse,
)
from search.presentation import csv_header, csv_row, detail_sections
from search.queries import (
    SearchPaginator,
    metering_points_search,
    meters_attach,
    search_usage,
)
from search.services import (
    DailyCapReached,
    lookup_allowance_check,
    lookups_take,
    metering_point_detail_recorded,
    search_event_record,
)

RESULTS_PER_PAGE = 50


def _record(
    request: HttpRequest, action: SearchAction, query: SearchQuery, count: int, *, lookups: int = 1
) -> None:
    search_event_record(
        user=request.user,
        action=action,
        channel=SearchChannel.WEB,
        query=query,
        result_count=count,
        ip_address=client_ip(request),
        lookups=lookups,
    )


def _search_page(request: HttpRequest, text: str, *, message: str = "", status: int = 200):
    return render(request, "search/results.html", {"q": text, "message": message}, status=status)


def _query_parsed(request: HttpRequest, text: str, *, bad_input_status: int):
    """Parse the search box: (query, None), or (None, the page that says what is wrong)."""
    try:
        return search_parse(text), None
    except SearchInputError as error:
        return None, _search_page(request, text, message=str(error), status=bad_input_status)


def _results_page(request: HttpRequest, query: SearchQuery, paging: dict) -> dict:
    """Run a search for a page of results, record the lookup, and give the template's
    context (the page, its paging and export links, the cap of an address search).
    Counts the lookup first: DailyCapReached at the cap, before anything is read."""
    lookups_take(user=request.user)
    points = metering_points_search(query, page=True)
    page = SearchPaginator(points, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    _record(request, SearchAction.SEARCH, query, page.paginator.count)
    page.object_list = list(page.object_list)
    meters_attach(page.object_list)
    cap = settings.SEARCH_ADDRESS_MAX_RESULTS
    # The detail links carry the search, so the detail page can link back to this page.
    came_from = {**paging, **({"page": page.number} if page.number > 1 else {})}
    return {
        "query": query,
        "items": {item.value for item in data_items_for(user=request.user)},
        "page": page,
        "paging_query": urlencode(paging),
        "export_url": f"{reverse('search:export')}?{urlencode(paging)}",
        "came_from": urlencode(came_from),
        "capped": cap if query.kind is SearchKind.ADDRESS and page.paginator.count >= cap else 0,
    }


def _address_query(data) -> SearchQuery:
    if (data.get("uprn") or "").strip():
        return uprn_parse(data["uprn"])
    return address_fields_parse({name: data.get(name) for name in ADDRESS_FIELDS})


@require_GET
@login_required
@never_cache
def address_search_view(request: HttpRequest) -> HttpResponse:
    """The address form: separate fields (no postcode needed) or a UPRN."""
    form = AddressSearchForm(request.GET or None)
    context = {"form": form}
    if not request.GET or not form.is_valid():
        return render(request, "search/address.html", context)
    fields = {name: value for name, value in form.cleaned_data.items() if value}
    try:
        query = _address_query(form.cleaned_data)
        context.update(_results_page(request, query, fields))
    except SearchInputError as error:
        return render(request, "search/address.html", {**context, "message": str(error)})
    except DailyCapReached as error:
        return render(
            request, "search/address.html", {**context, "message": str(error)}, status=429
        )
    return render(request, "search/address.html", context)


@require_GET
@login_required
@never_cache
def search_results(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "")
    # An MPAN search that finds its point goes straight to the detail, which counts and
    # records the lookup: an MPAN search is one event and counts once against the caps.
    query, refused = _query_parsed(request, text, bad_input_status=200)
    if refused:
        return refused
    try:
        if query.kind is SearchKind.MPAN:
            # Refused at the cap before anything is read, so that whether the point
            # exists (a redirect or not) is never told uncounted.
            lookup_allowance_check(user=request.user)
            if metering_points_search(query).exists():
                return redirect("search:detail", mpan_core=query.key)
        context = _results_page(request, query, {"q": text})
    except DailyCapReached as error:
        return _search_page(request, text, message=str(error), status=429)
    if not context["page"].paginator.count:
        # Nothing found for what looks like half a postcode: say what is missing.
        context["hint"] = partial_postcode_hint(text)
    return render(request, "search/results.html", {"q": text, **context})


def _back_to_results(request: HttpRequest) -> str:
    """The results page a detail was opened from (rebuilt from q and page, never a URL
    taken from the request), or "" when it was not opened from results."""
    text = request.GET.get("q", "")
    if not text:
        return ""
    back = {"q": text}
    page = request.GET.get("page", "")
    if page.isdigit():
        back["page"] = page
    return f"{reverse('search:results')}?{urlencode(back)}"


@require_GET
@login_required
@never_cache
def metering_point_detail_view(request: HttpRequest, mpan_core: str) -> HttpResponse:
    try:
        core = mpan_parse(mpan_core)
    except SearchInputError as error:
        return _search_page(request, mpan_core, message=str(error), status=404)
    if core != mpan_core:
        return redirect("search:detail", mpan_core=core)
    try:
        lookups_take(user=request.user)
    except DailyCapReached as error:
        return _search_page(request, mpan_core, message=str(error), status=429)

    detail = metering_point_detail_recorded(
        core, user=request.user, channel=SearchChannel.WEB, ip_address=client_ip(request)
    )
    if detail is None:
        return _search_page(
            request, core, message=f"No metering point found with MPAN core {core}.", status=404
        )
    items = data_items_for(user=request.user)
    return render(
        request,
        "search/detail.html",
        {
            "detail": detail,
            "point": detail.point,
            "sections": detail_sections(detail, items),
            "shows_meters": DataItem.METERS in items,
            "shows_related": DataItem.RELATED_MPANS in items,
            "items_withheld": items != EVERY_ITEM,
            "back_url": _back_to_results(request),
            "back_query": request.GET.get("q", ""),
            "looked_up_at": timezone.now(),
        },
    )


def _csv_lines(points, items) -> Iterator[str]:
    # iterator() with a chunk size still prefetches the meters, one query per chunk.
    rows = (csv_row(point, items) for point in points.iterator(chunk_size=1000))
    return csv_lines(csv_header(items), rows)


@require_GET
@login_required
@never_cache
def search_export(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "")
    if "q" not in request.GET and any(name in request.GET for name in (*ADDRESS_FIELDS, "uprn")):
        # The address form's export: the same fields, parsed the same way.
        try:
            query = _address_query(request.GET)
        except SearchInputError as error:
            return _search_page(request, "", message=str(error), status=400)
    else:
        query, refused = _query_parsed(request, text, bad_input_status=400)
        if refused:
            return refused
    try:
        # Refused at the cap before the rows are counted (the count is data too).
        lookup_allowance_check(user=request.user)
    except DailyCapReached as error:
        return _search_page(request, text, message=str(error), status=429)

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
    # An export counts the rows it returns (at least one, like any lookup), all or none.
    try:
        counted = lookups_take(user=request.user, wanted=max(count, 1))
    except DailyCapReached as error:
        return _search_page(request, text, message=str(error), status=429)
    _record(request, SearchAction.EXPORT, query, count, lookups=counted)
    response = StreamingHttpResponse(
        _csv_lines(points, data_items_for(user=request.user)),
        content_type="text/csv; charset=utf-8",
    )
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
        per_user[row.user] = per_user.get(row.user, 0) + row.counted
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
