import secrets
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.services import when_and_who

from .models import PreparedFile
from .pdf import pdf_response


def show_errors(request, error, *, prefix=""):
    """A service's ValidationError as error messages on the next page (one per message), for
    actions that have no form to put it on."""
    for message in error.messages:
        messages.error(request, f"{prefix}{message}")


def show_repeated(request, subject, record, at, by):
    """A record sent twice (a service returned the first one, marked `repeated`): say so, with when
    and by whom it was recorded. True when it was a repeat (the view then goes to the record)."""
    if not getattr(record, "repeated", False):
        return False
    messages.info(request, f"{subject}は{when_and_who(at, by)}記録しています。二重には記録していません。")
    return True


def show_warnings(request, warnings):
    """The policy's warnings (dicts from core.services.policy_check) as messages on the next page."""
    for warning in warnings:
        messages.warning(request, warning["message"])


PRIVATE_SEARCHES = "private_searches"
KEPT_SEARCHES = 20


def private_search(request, private):
    """A search by what names a person (氏名, カナ, 生年月日) never travels in the URL, where browser
    history, proxies and server logs keep it: the search form is POSTed here; the fields named in
    `private` are kept in the session under a random key, the others (status filters) go into the
    URL, and the list is shown at ?search=<key>.

    Returns (response, data): on POST a redirect and None; on GET None and the QueryDict to bind
    the search form to (the URL's filters plus the kept private fields). Private fields typed into
    a URL by hand are ignored.
    """
    if request.method == "POST":
        query = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken" and k != "search" and v}
        kept = {name: query.pop(name) for name in private if name in query}
        if kept:
            key = secrets.token_urlsafe(9)
            searches = dict(list(request.session.get(PRIVATE_SEARCHES, {}).items())[-(KEPT_SEARCHES - 1):])
            searches[key] = kept
            request.session[PRIVATE_SEARCHES] = searches
            query["search"] = key
        return redirect(f"{request.path}?{urlencode(query)}" if query else request.path), None
    data = QueryDict(mutable=True)
    for name, values in request.GET.lists():
        if name not in private:
            data.setlist(name, values)
    data.update(request.session.get(PRIVATE_SEARCHES, {}).get(request.GET.get("search", ""), {}))
    return None, data


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
