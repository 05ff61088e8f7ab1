"""GET /api/v1/metering-points/{mpan_core}/ and GET /api/v1/metering-points/?mpan= |
?postcode=&building= | ?serial= | ?uprn= | ?address= | ?street=&town=... (the structured
address), for sessions and organisations' API keys."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_auth import IsUserOrApiKey, OrganisationApiKeyAuthentication, api_key_of
from core.api import ERROR_RESPONSE
from core.api import first_error as error_parts
from core.http import client_ip
from core.throttling import (
    WindowRateThrottle,
    WindowRefused,
    windows_deferred,
    windows_deferred_take,
)
from search.data_items import DataItem, data_items_for
from search.models import SearchAction, SearchChannel
from search.parsing import (
    ADDRESS_FIELDS,
    SearchInputError,
    SearchKind,
    SearchQuery,
    address_fields_parse,
    address_parse,
    mpan_parse,
    postcode_parse,
    serial_parse,
    uprn_parse,
)
from search.queries import (
    SearchPaginator,
    metering_points_search,
    meters_attach,
)
from search.serializers import (
    BatchRequestSerializer,
    BatchResponseSerializer,
    MeteringPointDetailSerializer,
    MeteringPointSummarySerializer,
    RelatedMpansSerializer,
    detail_document,
    related_document,
    summary_documents,
)
from search.services import (
    DailyCapReached,
    lookups_take,
    metering_point_detail_recorded,
    search_event_record,
)

# --- Authentication, permission, throttling -------------------------------------------------


class UserRateThrottle(WindowRateThrottle):
    scope = "search_user"
    rate_setting = "SEARCH_API_USER_RATE"

    def identity(self, request) -> str | None:
        if api_key_of(request) is not None or not request.user.is_authenticated:
            return None
        return str(request.user.pk)


class ApiKeyRateThrottle(WindowRateThrottle):
    scope = "search_api_key"
    rate_setting = "SEARCH_API_KEY_RATE"

    def identity(self, request) -> str | None:
        api_key = api_key_of(request)
        return None if api_key is None else api_key.prefix


class DailyCapExceeded(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "daily_cap_reached"
    default_detail = "The daily limit of lookups has been reached."


class MeteringPointPagination(PageNumberPagination):
    django_paginator_class = SearchPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class _MeteringPointApi(APIView):
    authentication_classes = [OrganisationApiKeyAuthentication, SessionAuthentication]
    permission_classes = [IsUserOrApiKey]
    throttle_classes = [UserRateThrottle, ApiKeyRateThrottle]
    # The throttles' windows are checked and counted with the caps, in one Redis call
    # (core/throttling.py); a request that does not reach the caps takes them as its
    # answer leaves (finalize_response).
    windows_with_caps = True

    def _check_allowance(self, request: Request) -> None:
        """Check and count one lookup against the rate limits and the caps (before any
        data is read)."""
        user = None if api_key_of(request) else request.user
        try:
            lookups_take(user=user, api_key=api_key_of(request), windows=windows_deferred(request))
        except WindowRefused as refused:
            raise exceptions.Throttled(refused.wait) from refused
        except DailyCapReached as error:
            raise DailyCapExceeded(str(error)) from error

    def finalize_response(self, request, response, *args, **kwargs):
        wait = windows_deferred_take(request)
        if wait is not None:
            response = self.handle_exception(exceptions.Throttled(wait))
        return super().finalize_response(request, response, *args, **kwargs)

    def _items(self, request: Request):
        """The data items the caller's organisation sees (search.data_items)."""
        api_key = api_key_of(request)
        return data_items_for(api_key=api_key) if api_key else data_items_for(user=request.user)

    def _technical_details(self, request: Request, mpan: str | None) -> dict:
        """One point's document (the detail operation, alone or in a batch): parsed,
        checked and counted against the caps, audited, then read."""
        try:
            core = mpan_parse(mpan)
        except SearchInputError as error:
            raise _invalid("mpan", error) from error
        self._check_allowance(request)
        detail = self._detail_recorded(request, core)
        if detail is None:
            raise exceptions.NotFound(f"No metering point found with MPAN core {core}.")
        return detail_document(detail, self._items(request))

    def _related_document(self, request: Request, mpan_core: str | None) -> dict:
        try:
            core = mpan_parse(mpan_core)
        except SearchInputError as error:
            raise _invalid("mpan", error) from error
        if DataItem.RELATED_MPANS not in self._items(request):
            raise exceptions.PermissionDenied(
                "Your organisation's market role does not see related MPANs."
            )
        self._check_allowance(request)
        detail = self._detail_recorded(request, core)
        if detail is None:
            raise exceptions.NotFound(f"No metering point found with MPAN core {core}.")
        return related_document(detail)

    def _detail_recorded(self, request: Request, core: str):
        """The point's detail, read and audited (in one round trip where it can be)."""
        return metering_point_detail_recorded(
            core,
            user=None if api_key_of(request) else request.user,
            api_key=api_key_of(request),
            channel=SearchChannel.API,
            ip_address=client_ip(request),
        )

    def _record(self, request: Request, action: SearchAction, query: SearchQuery, count: int):
        search_event_record(
            user=None if api_key_of(request) else request.user,
            api_key=api_key_of(request),
            action=action,
            channel=SearchChannel.API,
            query=query,
            result_count=count,
            ip_address=client_ip(request),
        )


def _invalid(field: str, error: SearchInputError) -> exceptions.ValidationError:
    return exceptions.ValidationError({field: [exceptions.ErrorDetail(str(error), "invalid")]})


class MeteringPointListApi(_MeteringPointApi):
    @extend_schema(
        operation_id="metering_points_search",
        summary="Search metering points by MPAN, postcode, address, UPRN or meter serial",
        description=(
            "Give one kind of search. An address search (free text `address`, or the "
            "structured parameters) is ranked and lists at most SEARCH_ADDRESS_MAX_RESULTS "
            "points. Fields the caller's market role does not see are left out."
        ),
        parameters=[
            OpenApiParameter("mpan", OpenApiTypes.STR, description="MPAN core or full MPAN."),
            OpenApiParameter(
                "postcode",
                OpenApiTypes.STR,
                description="A full postcode; with the structured address, also its first part.",
            ),
            OpenApiParameter("building", OpenApiTypes.STR, description="Building number or name."),
            OpenApiParameter("sub_building", OpenApiTypes.STR, description="Flat or sub-building."),
            OpenApiParameter("street", OpenApiTypes.STR, description="Street (thoroughfare)."),
            OpenApiParameter("locality", OpenApiTypes.STR, description="Dependent locality."),
            OpenApiParameter("town", OpenApiTypes.STR, description="Post town."),
            OpenApiParameter(
                "address", OpenApiTypes.STR, description="Free text: Flat 3, 12 High Street, Leeds."
            ),
            OpenApiParameter("uprn", OpenApiTypes.STR, description="UPRN, up to 12 digits."),
            OpenApiParameter("serial", OpenApiTypes.STR, description="Meter serial number."),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="Up to 500."),
        ],
        responses={
            200: MeteringPointSummarySerializer(many=True),
            400: ERROR_RESPONSE,
            429: ERROR_RESPONSE,
        },
    )
    def get(self, request: Request) -> Response:
        query = self._query(request.query_params)
        self._check_allowance(request)
        paginator = MeteringPointPagination()
        points = metering_points_search(query, page=True)
        page = paginator.paginate_queryset(points, request, view=self)
        meters_attach(page)
        self._record(request, SearchAction.SEARCH, query, paginator.page.paginator.count)
        # The documents are already in the serializers' shape (tests/search/
        # test_api_documents.py); running them through the serializers again cost about
        # a millisecond per request. The serializers declare the shape for the schema.
        return paginator.get_paginated_response(
            summary_documents(page, request=request, items=self._items(request))
        )

    def _query(self, params) -> SearchQuery:
        return search_parameters_parse(params)


# The structured address parameters beyond postcode and building (search.parsing).
STRUCTURED_ONLY = [name for name in ADDRESS_FIELDS if name not in ("postcode", "building")]


def search_parameters_parse(params) -> SearchQuery:
    """One search from API parameters: exactly one of mpan, postcode (with building),
    serial, uprn, address (free text), or the structured address (street, town, ...
    with postcode and building if known). ValidationError names the parameter."""

    def given(name: str) -> bool:
        return bool(str(params.get(name) or "").strip())

    structured = any(given(name) for name in STRUCTURED_ONLY)
    kinds = [name for name in ("mpan", "serial", "uprn", "address") if given(name)]
    if structured or given("postcode"):
        kinds.append("structured address" if structured else "postcode")
    if len(kinds) != 1:
        raise exceptions.ValidationError(
            "Give exactly one of: mpan, postcode (with building), serial, uprn, address, or "
            "the structured address (sub_building, building, street, locality, town, "
            f"postcode). Given: {', '.join(kinds) or 'none'}."
        )
    (kind,) = kinds
    field = {"structured address": "street"}.get(kind, kind)
    try:
        if kind == "mpan":
            return SearchQuery(SearchKind.MPAN, mpan_parse(params["mpan"]))
        if kind == "postcode":
            return postcode_parse(params["postcode"], building=params.get("building", ""))
        if kind == "serial":
            return serial_parse(params["serial"])
        if kind == "uprn":
            return uprn_parse(params["uprn"])
        if kind == "address":
            return address_parse(params["address"])
        return address_fields_parse({name: params.get(name) for name in ADDRESS_FIELDS})
    except SearchInputError as error:
        raise _invalid(field, error) from error


class MeteringPointDetailApi(_MeteringPointApi):
    @extend_schema(
        operation_id="metering_point_detail",
        summary="One metering point: every registry field, grouped",
        responses={200: MeteringPointDetailSerializer, 400: ERROR_RESPONSE, 404: ERROR_RESPONSE},
    )
    def get(self, request: Request, mpan_core: str) -> Response:
        return Response(self._technical_details(request, mpan_core))


# --- Related MPANs and the batch form ---------------------------------------------------------


class RelatedMpansApi(_MeteringPointApi):
    @extend_schema(
        operation_id="metering_point_related_mpans",
        summary="The MPANs related to one metering point (e.g. import and export)",
        responses={
            200: RelatedMpansSerializer,
            400: ERROR_RESPONSE,
            403: ERROR_RESPONSE,
            404: ERROR_RESPONSE,
            429: ERROR_RESPONSE,
        },
    )
    def get(self, request: Request, mpan_core: str) -> Response:
        return Response(self._related_document(request, mpan_core))


BATCH_MAX = 100
BATCH_RESULTS_PER_SEARCH = 50


class BatchApi(_MeteringPointApi):
    """Up to BATCH_MAX parameter sets for one operation in one call. Each set is one
    lookup: checked against the daily cap, audited and counted, exactly as if it were
    sent alone; once the cap is reached, the remaining sets answer 429 and run nothing."""

    # The rate limit is taken once for the whole call, before any set runs (a window
    # deferred to the first set's caps would refuse that set alone).
    windows_with_caps = False

    @extend_schema(
        operation_id="metering_points_batch",
        summary=f"Several lookups in one call (up to {BATCH_MAX}), each counted",
        request=BatchRequestSerializer,
        responses={200: BatchResponseSerializer, 400: ERROR_RESPONSE},
    )
    def post(self, request: Request) -> Response:
        batch = BatchRequestSerializer(data=request.data)
        batch.is_valid(raise_exception=True)
        operation = batch.validated_data["operation"]
        results = []
        for params in batch.validated_data["parameters"]:
            try:
                results.append({"status": 200, "result": self._one(request, operation, params)})
            except exceptions.APIException as error:
                code, message, field = error_parts(error.detail)
                results.append(
                    {
                        "status": error.status_code,
                        "error": {"code": code, "message": message, "field": field},
                    }
                )
        return Response({"operation": operation, "results": results})

    def _one(self, request: Request, operation: str, params: dict) -> dict:
        params = {key: str(value) for key, value in params.items() if value is not None}
        if operation == "related_mpans":
            return self._related_document(request, params.get("mpan"))
        if operation == "technical_details":
            return self._technical_details(request, params.get("mpan"))
        return self._search(request, params)

    def _search(self, request: Request, params: dict) -> dict:
        query = search_parameters_parse(params)
        self._check_allowance(request)
        points = metering_points_search(query, page=True)
        count = points.count()
        page = list(points[:BATCH_RESULTS_PER_SEARCH])
        meters_attach(page)
        self._record(request, SearchAction.SEARCH, query, count)
        return {
            "count": count,
            "results": summary_documents(page, request=request, items=self._items(request)),
        }
