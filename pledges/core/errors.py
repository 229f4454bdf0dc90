"""The ledger's own 400 page: a request too large says so, in the user's language."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from pledges.core.uploads import UploadTooLarge


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400 (fonds/urls.py): Django's own 400 page is one bare line in English."""
    if isinstance(exception, UploadTooLarge):
        reason = "files"
    elif isinstance(exception, RequestDataTooBig):
        reason = "form"
    else:
        reason = ""
    context = {"reason": reason, "max_megabytes": f"{settings.UPLOAD_MAX_BYTES / 1_048_576:.0f}"}
    return render(request, "400.html", context, status=400)
