"""The flow upload size limit at the HTTP edge.

Django reads a request's whole body (spooling files to disk) as soon as anything asks
for its form data, and the CSRF check asks first. A body whose Content-Length is over
the limit, plus room for the form's other fields, is refused before it is read; a file
just over the limit is refused by `flow_file_receive` before it is stored. (Without a
Content-Length Django reads no body at all.)
"""

from django.conf import settings
from django.http import HttpRequest

# Room for the multipart boundaries, part headers and the CSRF token.
MULTIPART_ROOM = 64 * 1024


def upload_body_too_large(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False  # Django refuses a malformed length itself
    return length > settings.FLOW_UPLOAD_MAX_BYTES + MULTIPART_ROOM
