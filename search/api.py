"""GET /api/v1/metering-points/{mpan_core}/ and GET /api/v1/metering-points/?mpan= |
?postcode=&building= | ?serial=, for sessions and organisations' API keys."""

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
from core.http import client_ip
from core.throttling import WindowRateThrottle
from search.models import SearchAction, SearchChannel
from search.parsing import (
    SearchInputError,
    SearchKind,
    SearchQuery,
    mpan_parse,
    postcode_parse,
    serial_parse,
)
from search.queries import (
    SearchPaginator,
    metering_point_detail,
    metering_points_search,
    meters_attach,
)
from search.serializers import (
    MeteringPointDetailSerializer,
    MeteringPointSummarySerializer,
    detail_document,
    summary_documents,
)
from search.services import DailyCapReached, lookup_allowance_check, search_event_record

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

    def _check_allowance(self, request: Request) -> None:
        user = None if api_key_of(request) else request.user
        try:
            lookup_allowance_check(user=user, api_key=api_key_of(request))
        except DailyCapReached as error:
            raise DailyCapExceeded(str(error)) from error

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
        summary="Search metering points by MPAN, postcode (and building) or meter serial",
        parameters=[
            OpenApiParameter("mpan", OpenApiTypes.STR, description="MPAN core or full MPAN."),
            OpenApiParameter("postcode", OpenApiTypes.STR, description="A full postcode."),
            OpenApiParameter(
                "building", OpenApiTypes.STR, description="With postcode: number or name."
            ),
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
        return paginator.get_paginated_response(summary_documents(page, request=request))

    def _query(self, params) -> SearchQuery:
        given = [name for name in ("mpan", "postcode", "serial") if params.get(name, "").strip()]
        if len(given) != 1:
            raise exceptions.ValidationError(
                "Give exactly one of the query parameters mpan, postcode or serial."
            )
        (field,) = given
        try:
            if field == "mpan":
                return SearchQuery(SearchKind.MPAN, mpan_parse(params["mpan"]))
            if field == "postcode":
                return postcode_parse(params["postcode"], building=params.get("building", ""))
            return serial_parse(params["serial"])
        except SearchInputError as error:
            raise _invalid(field, error) from error


class MeteringPointDetailApi(_MeteringPointApi):
    @extend_schema(
        operation_id="metering_point_detail",
        summary="One metering point: every registry field, grouped",
        responses={200: MeteringPointDetailSerializer, 400: ERROR_RESPONSE, 404: ERROR_RESPONSE},
    )
    def get(self, request: Request, mpan_core: str) -> Response:
        try:
            core = mpan_parse(mpan_core)
        except SearchInputError as error:
            raise _invalid("mpan", error) from error
        self._check_allowance(request)
        detail = metering_point_detail(core)
        self._record(
            request, SearchAction.DETAIL, SearchQuery(SearchKind.MPAN, core), int(bool(detail))
        )
        if detail is None:
            raise exceptions.NotFound(f"No metering point found with MPAN core {core}.")
        return Response(detail_document(detail))
