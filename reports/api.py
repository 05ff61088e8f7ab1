"""GET /api/v1/reports/ and GET /api/v1/reports/{id}/download/ (the same rules as the screen)."""

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import APIException, ErrorDetail, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import APIView

from accounts.api_auth import IsUserOrApiKey, OrganisationApiKeyAuthentication
from accounts.models import OrganisationApiKey
from core.http import client_ip
from reports.forms import ReportFilterForm
from reports.models import Report
from reports.queries import reports_filter, reports_visible_to
from reports.services import ReportExpiredError, report_download_record


class _ReportApi:
    """Sessions and organisations' API keys: a key sees its own organisation's reports
    (bulk search results among them), and its downloads are audited as the key's."""

    authentication_classes = [OrganisationApiKeyAuthentication, SessionAuthentication]
    permission_classes = [IsUserOrApiKey]

    def _caller(self) -> dict:
        auth = self.request.auth
        if isinstance(auth, OrganisationApiKey):
            return {"api_key": auth}
        return {"user": self.request.user}


class ReportGone(APIException):
    status_code = status.HTTP_410_GONE
    default_code = "report_expired"
    default_detail = "This report has expired."


class ReportSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.mpid")
    kind_display = serializers.CharField(source="get_kind_display")
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "organisation",
            "kind",
            "kind_display",
            "title",
            "created_at",
            "available_until",
            "size",
            "sha256",
            "row_count",
            "download_url",
        ]

    def get_download_url(self, report: Report) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("api-report-download", args=[report.pk])
        )


class ReportPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class ReportListApi(_ReportApi, ListAPIView):
    serializer_class = ReportSerializer
    pagination_class = ReportPagination

    def get_queryset(self):
        form = ReportFilterForm(self.request.query_params)
        if not form.is_valid():
            raise ValidationError(
                {
                    name: [ErrorDetail(error["message"], code=error["code"]) for error in errors]
                    for name, errors in form.errors.get_json_data().items()
                }
            )
        return reports_filter(reports_visible_to(**self._caller()), **form.cleaned_data)


class ReportDownloadApi(_ReportApi, APIView):
    def perform_content_negotiation(self, request, force=False):
        # A client asking only for text/csv gets the file, not 406: the body is the file.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
        summary="Download a report's CSV file (410 once it has expired)",
    )
    def get(self, request, pk: int):
        caller = self._caller()
        report = get_object_or_404(reports_visible_to(**caller), pk=pk)
        try:
            report_download_record(
                **caller,
                report=report,
                ip_address=client_ip(request),
                via_api=True,
            )
        except ReportExpiredError as error:
            raise ReportGone(str(error)) from error
        return FileResponse(
            report.file.open("rb"),
            as_attachment=True,
            filename=report.download_name,
            content_type="text/csv; charset=utf-8",
        )
