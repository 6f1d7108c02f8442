import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django_otp import user_has_device


class NoStoreForSignedInMiddleware:
    """`Cache-Control: no-store` on every answer to someone signed in.

    Nearly every signed-in page can show a patient or a staff member (lists, dashboards, PDFs,
    CSVs); kept in the browser's cache, it would outlive the session on a shared computer.
    One rule for all of them, so that a new page cannot forget it. Anonymous requests (the
    public pages) are left as they are.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated:
            add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private
        return response


class SessionLifetimeMiddleware:
    """Ends a session 12 hours after login, however active it was (idle expiry is the cookie age)."""

    KEY = "_session_started_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.get(self.KEY)
            if started is not None and time.time() - started > settings.SESSION_ABSOLUTE_LIFETIME:
                logout(request)
        response = self.get_response(request)
        # Stamped after the view, so the request that logs in (by any login page) starts the clock.
        if request.user.is_authenticated and self.KEY not in request.session:
            request.session[self.KEY] = time.time()
        return response


def two_factor_required(user):
    """Everyone who can see patient data or approve anything, and anyone who has set up a device."""
    return user.needs_two_factor() or user_has_device(user, confirmed=True)


def second_factor_url(user):
    """Where someone who owes the second factor goes: the code page, or the set-up page if no device yet."""
    has_device = user_has_device(user, confirmed=True)
    return reverse("accounts:two-factor" if has_device else "accounts:two-factor-setup")


class OTPRequiredMiddleware:
    """No page for a signed-in person who still owes the second factor, except the few that get them there.

    Runs in process_view, after LoginRequiredMiddleware, so anonymous requests have already
    gone to the login page and public views (login_not_required) pass untouched. There is
    deliberately no setting that turns this off.
    """

    # Password change is not here on purpose: someone holding only the password must not be
    # able to change it (and so end the owner's sessions).
    EXEMPT = frozenset({"accounts:logout", "accounts:two-factor", "accounts:two-factor-setup"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True):
            return None
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if request.resolver_match and request.resolver_match.view_name in self.EXEMPT:
            return None
        if not two_factor_required(user):
            return None
        return redirect_to_login(request.get_full_path(), second_factor_url(user))
