"""Uploads are bounded before their body is read.

Django parses a multipart body whole (to memory, or past FILE_UPLOAD_MAX_MEMORY_SIZE to a
temporary file) as soon as anything touches request.POST or request.FILES, which the CSRF
check does before the view runs; a form's size check comes after. So a 100 MB body was
written to disk before the 5 MB check said no. Here the request's declared length is
compared with the view's limit before anything reads the body, and a body too long is
answered 413 with a Japanese page, unread. The declared length is also all Django will read
(WSGIRequest wraps the input in a LimitedStream of CONTENT_LENGTH; a body without one reads
as empty), so the check bounds what the process can be made to take in.

Views that take files say how big a file may be with `@upload_limit(bytes)`; everything
else gets DEFAULT_MAX_BYTES. The limit is the file's, and FORM_OVERHEAD is allowed on top
for the multipart framing and the form's other fields; the form still checks the file itself.
"""

from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
FORM_OVERHEAD = 256 * 1024


def upload_limit(max_bytes):
    """Mark a view as taking files of up to `max_bytes` (the body may be FORM_OVERHEAD more)."""

    def mark(view):
        view.upload_max_bytes = max_bytes
        return view

    return mark


def limit_for(path):
    """The file limit of the view at `path` (DEFAULT_MAX_BYTES when it names none, or no view)."""
    try:
        view = resolve(path).func
    except Resolver404:
        return DEFAULT_MAX_BYTES
    return getattr(view, "upload_max_bytes", DEFAULT_MAX_BYTES)


def megabytes(size):
    return f"{size / 1024 / 1024:.1f}MB".replace(".0MB", "MB")


class UploadLimitMiddleware:
    """Answers 413 to a body longer than the view takes, before anything reads it.

    Runs its check before any middleware's process_view (the CSRF check reads the body there).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > FORM_OVERHEAD:  # small bodies need no look-up
            limit = limit_for(request.path_info)
            if length > limit + FORM_OVERHEAD:
                return render(request, "errors/413.html", {
                    "size": megabytes(length), "limit": megabytes(limit), "back": _back(request),
                }, status=413)
        return self.get_response(request)


def _back(request):
    """The page the form was on (the Referer, when it is this site's), else the home page."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure()):
        return referer
    return reverse("home")
