"""POST /api/v1/flows/ (send a file; 202 and a status URL), GET /api/v1/flows/{id}/."""

from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    parser_classes,
    permission_classes,
)
from rest_framework.exceptions import APIException, PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from registry.errors import FlowFileTooLarge
from registry.models import FlowFile, FlowFileChannel
from registry.queries import flow_file_get_for_user, user_may_send_flows
from registry.services import flow_file_receive, flow_upload_too_large_message
from registry.uploads import upload_body_too_large


class FlowFileSerializer(serializers.ModelSerializer):
    sender = serializers.CharField(source="sender.mpid", default=None)
    status_url = serializers.SerializerMethodField()

    class Meta:
        model = FlowFile
        fields = [
            "id",
            "original_name",
            "sha256",
            "sender",
            "flow_id",
            "version",
            "status",
            "accepted_count",
            "rejected_count",
            "errors",
            "received_at",
            "started_at",
            "finished_at",
            "status_url",
        ]

    def get_status_url(self, flow_file: FlowFile) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("api-flow-detail", args=[flow_file.pk])
        )


class FlowUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)


class FlowFileTooLargeError(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "file_too_large"

    def __init__(self, message: str) -> None:
        super().__init__({"file": [message]}, self.default_code)


@extend_schema(
    request={"multipart/form-data": FlowUploadSerializer},
    responses={202: FlowFileSerializer, 413: OpenApiResponse(description="The file is too large")},
    summary="Send a DTC flow file; it is applied in the background",
)
@api_view(["POST"])
@parser_classes([MultiPartParser])
def _flow_create(request: Request) -> Response:
    if not user_may_send_flows(request.user):
        raise PermissionDenied("Only meter operators, distributors and service admins send flows.")
    upload = FlowUploadSerializer(data=request.data)
    upload.is_valid(raise_exception=True)
    uploaded = upload.validated_data["file"]
    user = request.user
    try:
        flow_file = flow_file_receive(
            content=uploaded,
            original_name=uploaded.name,
            channel=FlowFileChannel.API,
            # A service admin may send for a party: the header then names the sender.
            sender=None if user.is_service_admin else user.organisation,
            submitted_by=user,
        )
    except FlowFileTooLarge as refused:
        raise FlowFileTooLargeError(str(refused)) from None
    data = FlowFileSerializer(flow_file, context={"request": request}).data
    return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["status_url"]})


@api_view(["POST"])
@authentication_classes([])
@permission_classes([])
def _flow_create_too_large(request: Request) -> Response:
    """Answers a body over the limit, without reading it (no authentication, which
    would read it for its CSRF check)."""
    raise FlowFileTooLargeError(flow_upload_too_large_message())


@wraps(_flow_create)  # keeps DRF's attributes (the schema's view class, csrf_exempt)
def flow_create(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """POST /api/v1/flows/: a body over FLOW_UPLOAD_MAX_BYTES is refused before it is read."""
    if request.method == "POST" and upload_body_too_large(request):
        return _flow_create_too_large(request, *args, **kwargs)
    return _flow_create(request, *args, **kwargs)


@extend_schema(responses=FlowFileSerializer, summary="A sent flow file and its status")
@api_view(["GET"])
def flow_detail(request: Request, flow_file_id: int) -> Response:
    flow_file = flow_file_get_for_user(request.user, flow_file_id)
    return Response(FlowFileSerializer(flow_file, context={"request": request}).data)
