"""A per-address throttle for what anyone may send: the login pages and the public forms.

The per-account lockout (accounts/lockout.py) stops guessing one account's password; this
stops one address from spraying many accounts, filling in the public application form by the
hundred, or making the server render blank forms' PDFs in a loop. Counters live in the cache
(settings.CACHES): local memory for one process, Redis (CACHE_URL) when several processes or
machines must share them. A fixed window per period: simple, and at worst twice the limit
across a window's edge.
"""

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

LOGIN_VIEWS = frozenset({"accounts:login", "admin:login", "accounts:password-reset"})
PUBLIC_PREFIX = "p/"  # the applicants' pages: enrollment/urls.py

logger = logging.getLogger(__name__)


def throttle_rule(request):
    """Which of settings.THROTTLES applies to this request, or None."""
    match = request.resolver_match
    if match is None:
        return None
    if match.view_name in LOGIN_VIEWS:
        return "login" if request.method == "POST" else None
    if match.route.startswith(PUBLIC_PREFIX):
        return "public-post" if request.method == "POST" else "public-get"
    return None


def client_address(request):
    """REMOTE_ADDR, or behind our reverse proxy the address it saw (the last X-Forwarded-For entry).

    Only the last entry: the ones before it are whatever the client chose to send.
    """
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "")


def hit(rule, address):
    """Counts one request; returns (allowed, seconds until the window ends)."""
    limit, period = settings.THROTTLES[rule]
    now = int(time.time())
    window = now // period
    key = f"throttle:{rule}:{address}:{window}"
    # add() then incr() is atomic on Redis and on the local-memory cache alike: two processes
    # never both read 9 and both write 10.
    cache.add(key, 0, timeout=period + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add() and incr()
        cache.add(key, 1, timeout=period + 1)
        count = 1
    return count <= limit, (window + 1) * period - now


class ThrottleMiddleware:
    """Answers 429 (a Japanese page, with Retry-After) past the limit; everything else passes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        rule = throttle_rule(request)
        if rule is None:
            return None
        try:
            allowed, retry_after = hit(rule, client_address(request))
        except Exception:
            # The cache (Redis) is down: let the request through rather than stop every login.
            # The per-account lockout is in the database and still holds.
            logger.exception("throttle: the cache did not answer; request let through")
            return None
        if allowed:
            return None
        response = render(request, "errors/429.html", {"retry_after": retry_after}, status=429)
        response["Retry-After"] = str(retry_after)
        return response
