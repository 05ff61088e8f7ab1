from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from registry.forms import FlowUploadForm
from registry.models import FlowFileChannel
from registry.queries import flow_file_get_for_user, flow_files_for_user, user_may_send_flows
from registry.services import flow_file_receive


def _require_sender(request: HttpRequest) -> None:
    if not user_may_send_flows(request.user):
        raise PermissionDenied("Only meter operators, distributors and service admins send flows.")


@login_required
def flow_upload(request: HttpRequest) -> HttpResponse:
    _require_sender(request)
    form = FlowUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        user = request.user
        flow_file = flow_file_receive(
            content=uploaded,
            original_name=uploaded.name,
            channel=FlowFileChannel.UPLOAD,
            sender=None if user.is_service_admin else user.organisation,
            submitted_by=user,
        )
        return redirect("flow-detail", flow_file_id=flow_file.pk)
    return render(request, "registry/flow_upload.html", {"form": form})


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
