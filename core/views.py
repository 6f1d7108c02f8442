from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .models import PreparedFile
from .pdf import pdf_response


def show_errors(request, error, *, prefix=""):
    """A service's ValidationError as error messages on the next page (one per message), for
    actions that have no form to put it on."""
    for message in error.messages:
        messages.error(request, f"{prefix}{message}")


def show_warnings(request, warnings):
    """The policy's warnings (dicts from core.services.policy_check) as messages on the next page."""
    for warning in warnings:
        messages.warning(request, warning["message"])


@login_not_required
@require_GET
@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def prepared_file_page(request, prepared, *, title, back):
    """The "ready" page of a file a job makes (core.jobs.prepare_file): its state while it is
    made, and the file itself (`?download`) once it is ready. The caller has fetched `prepared`
    under the key of an object the person may see."""
    if "download" in request.GET and prepared.status == PreparedFile.Status.READY:
        return pdf_response(bytes(prepared.content), prepared.filename, inline=False)
    return render(request, "prepared_file.html", {"prepared": prepared, "title": title, "back": back})
