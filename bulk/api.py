"""POST /api/v1/bulk-searches/ (a file or a JSON list; 202 and the status URL),
GET /api/v1/bulk-searches/{id}/ and POST /api/v1/bulk-searches/{id}/cancel/, for sessions
and organisations' API keys, with the API's one error shape."""

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_auth import IsUserOrApiKey, OrganisationApiKeyAuthentication, api_key_of
from bulk.forms import KIND_CHOICES
from bulk.models import BulkSearch, BulkSearchStatus
from bulk.presentation import bulk_search_status_document
from bulk.queries import bulk_search_get_for, bulk_searches_of
from bulk.services import (
    BulkQuotaExceeded,
    BulkSearchError,
    bulk_search_cancel,
    bulk_search_submit,
)
from core.api import ERROR_RESPONSE
from core.http import client_ip
from search.models import SearchChannel


class BulkSearchUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KIND_CHOICES)
    file = serializers.FileField(
        help_text="A CSV file (UTF-8): one column, or a header row naming the column to search."
    )


class BulkSearchValuesSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KIND_CHOICES)
    values = serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False),
        allow_empty=False,
        help_text="The MPAN cores, postcodes or meter serials, one per item.",
    )


class BadRowSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="Line of the file, or position in the list.")
    value = serializers.CharField()
    reason = serializers.CharField()


class BulkSearchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=KIND_CHOICES)
    status = serializers.ChoiceField(choices=BulkSearchStatus.choices)
    status_display = serializers.CharField()
    total_rows = serializers.IntegerField(help_text="Rows that can be searched.")
    processed = serializers.IntegerField(help_text="Rows searched so far.")
    matched = serializers.IntegerField(help_text="Rows that found at least one metering point.")
    percent = serializers.IntegerField()
    bad_row_count = serializers.IntegerField()
    bad_rows = BadRowSerializer(
        many=True, help_text="The first 1,000 rows that cannot be searched."
    )
    failure_reason = serializers.CharField()
    points_counted = serializers.IntegerField(
        help_text="Metering points returned so far, counted against the daily caps."
    )
    stopped_reason = serializers.CharField(
        help_text="Why a done search stopped before its last row (a daily cap); empty if not."
    )
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    status_url = serializers.CharField()
    result_download_url = serializers.CharField(
        allow_null=True, help_text="The report archive's download of the result, once done."
    )


def _document(request: Request, job: BulkSearch) -> dict:
    result_url = None
    if job.result_id is not None:
        result_url = request.build_absolute_uri(
            reverse("api-report-download", args=[job.result_id])
        )
    document = bulk_search_status_document(job, result_url=result_url)
    document["bad_rows"] = job.bad_rows
    document["status_url"] = request.build_absolute_uri(
        reverse("api-bulk-search-detail", args=[job.pk])
    )
    return BulkSearchSerializer(document).data


class QuotaExceeded(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "bulk_quota_reached"
    default_detail = "The organisation's daily bulk search quota has been reached."


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The bulk search cannot be changed now."


class _BulkSearchApi(APIView):
    authentication_classes = [OrganisationApiKeyAuthentication, SessionAuthentication]
    permission_classes = [IsUserOrApiKey]

    def _job(self, request: Request, pk: int) -> BulkSearch:
        api_key = api_key_of(request)
        return bulk_search_get_for(user=None if api_key else request.user, api_key=api_key, pk=pk)


class BulkSearchPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class BulkSearchListApi(_BulkSearchApi):
    parser_classes = [MultiPartParser, JSONParser]

    @extend_schema(
        operation_id="bulk_search_list",
        summary="The organisation's bulk searches, newest first, with their result URLs",
        responses={200: BulkSearchSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        api_key = api_key_of(request)
        organisation_id = api_key.organisation_id if api_key else request.user.organisation_id
        paginator = BulkSearchPagination()
        page = paginator.paginate_queryset(bulk_searches_of(organisation_id), request, view=self)
        return paginator.get_paginated_response([_document(request, job) for job in page])

    @extend_schema(
        operation_id="bulk_search_create",
        summary="Start a bulk search of MPAN cores, postcodes or meter serials",
        description=(
            "Send a CSV file (multipart) or a JSON list of values. The list is checked at "
            "once: rows that cannot be searched are listed with their line and do not stop "
            f"the others. At most BULK_SEARCH_MAX_ROWS rows ({settings.BULK_SEARCH_MAX_ROWS:,} "
            "by default). Every metering point returned counts against the caller's daily cap, "
            "the organisation's and its bulk quota; a search that reaches one stops there "
            "(stopped_reason). A caller already at a cap is refused (429). "
            "Answers 202 with the job and its status URL in Location."
        ),
        request={
            "multipart/form-data": BulkSearchUploadSerializer,
            "application/json": BulkSearchValuesSerializer,
        },
        responses={
            202: BulkSearchSerializer,
            400: ERROR_RESPONSE,
            429: ERROR_RESPONSE,
        },
    )
    def post(self, request: Request) -> Response:
        # The body may be anything a client sends (null, a list): the serializer refuses it.
        body = request.data if hasattr(request.data, "keys") else {}
        is_upload = "file" in body or (request.content_type or "").startswith("multipart/")
        field = "file" if is_upload else "values"
        serializer_class = BulkSearchUploadSerializer if is_upload else BulkSearchValuesSerializer
        given = serializer_class(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        api_key = api_key_of(request)
        user = None if api_key else request.user
        upload = data.get("file")
        try:
            job = bulk_search_submit(
                organisation=api_key.organisation if api_key else user.organisation,
                kind=data["kind"],
                channel=SearchChannel.API,
                data=upload.read(settings.BULK_SEARCH_MAX_BYTES + 1) if upload else None,
                values=None if upload else data["values"],
                source_name=upload.name if upload else "JSON list",
                user=user,
                api_key=api_key,
                ip_address=client_ip(request),
            )
        except BulkQuotaExceeded as error:
            raise QuotaExceeded(str(error)) from error
        except BulkSearchError as error:
            raise exceptions.ValidationError(
                {field: [exceptions.ErrorDetail(str(error), "invalid")]}
            ) from error
        document = _document(request, job)
        return Response(
            document, status=status.HTTP_202_ACCEPTED, headers={"Location": document["status_url"]}
        )


class BulkSearchDetailApi(_BulkSearchApi):
    @extend_schema(
        operation_id="bulk_search_status",
        summary="A bulk search's status, progress and, once done, its result download URL",
        responses={200: BulkSearchSerializer, 404: ERROR_RESPONSE},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(_document(request, self._job(request, pk)))


class BulkSearchCancelApi(_BulkSearchApi):
    @extend_schema(
        operation_id="bulk_search_cancel",
        summary="Cancel a queued or running bulk search",
        request=None,
        responses={
            200: BulkSearchSerializer,
            404: ERROR_RESPONSE,
            409: OpenApiResponse(description="The search has already ended (error shape)."),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        job = self._job(request, pk)
        try:
            job = bulk_search_cancel(bulk_search_id=job.pk)
        except BulkSearchError as error:
            raise Conflict(str(error)) from error
        return Response(_document(request, job))
