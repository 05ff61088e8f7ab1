from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET

from registry.errors import FlowFileTooLarge
from registry.forms import FlowUploadForm
from registry.models import FlowFileChannel
from registry.queries import flow_file_get_for_user, flow_files_for_user, user_may_send_flows
from registry.services import (
    flow_file_receive,
    flow_upload_max_size_text,
    flow_upload_too_large_message,
)
from registry.uploads import upload_body_too_large


def _require_sender(request: HttpRequest) -> None:
    if not user_may_send_flows(request.user):
        raise PermissionDenied("Only meter operators, distributors and service admins send flows.")


# CSRF is checked by _flow_upload, right after the size: the check reads the whole body.
@csrf_exempt
@login_required
def flow_upload(request: HttpRequest) -> HttpResponse:
    _require_sender(request)
    if request.method == "POST" and upload_body_too_large(request):
        return _flow_upload_page(
            request, FlowUploadForm.refused(flow_upload_too_large_message()), status=413
        )
    return _flow_upload(request)


@csrf_protect
def _flow_upload(request: HttpRequest) -> HttpResponse:
    form = FlowUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        user = request.user
        try:
            flow_file = flow_file_receive(
                content=uploaded,
                original_name=uploaded.name,
                channel=FlowFileChannel.UPLOAD,
                sender=None if user.is_service_admin else user.organisation,
                submitted_by=user,
            )
        except FlowFileTooLarge as refused:
            return _flow_upload_page(request, FlowUploadForm.refused(str(refused)), status=413)
        return redirect("flow-detail", flow_file_id=flow_file.pk)
    return _flow_upload_page(request, form)


def _flow_upload_page(request: HttpRequest, form: FlowUploadForm, status: int = 200):
    context = {"form": form, "max_size": flow_upload_max_size_text()}
    return render(request, "registry/flow_upload.html", context, status=status)


@login_required
@require_GET
def flow_list(request: HttpRequest) -> HttpResponse:
    _require_sender(request)
    files = flow_files_for_user(request.user)[:100]
    return render(request, "registry/flow_list.html", {"flow_files": files})


@login_required
def flow_detail(request: HttpRequest, flow_file_id: int) -> HttpResponse:
    flow_file = flow_file_get_for_user(request.user, flow_file_id)
    return render(request, "registry/flow_detail.html", {"flow_file": flow_file})
