import time

from django.conf import settings
from django.contrib.auth import logout


class SessionLifetimeMiddleware:
    """Ends a session 12 hours after login, however active it was (idle expiry is the cookie age)."""

    KEY = "_session_started_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.get(self.KEY)
            now = time.time()
            if started is None:
                request.session[self.KEY] = now
            elif now - started > settings.SESSION_ABSOLUTE_LIFETIME:
                logout(request)
        return self.get_response(request)
