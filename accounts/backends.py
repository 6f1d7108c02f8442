from django.conf import settings
from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """Log in by e-mail address, case-insensitively (the manager looks up email__iexact)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is not None:
            username = username.strip()
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_username(request, credentials=None):
    """The key axes counts failures under (AXES_USERNAME_CALLABLE).

    Logins match e-mail addresses case-insensitively, so the lockout must too: otherwise
    "Sato@" and "sato@" would each get their own five tries at the same account.
    """
    field = settings.AXES_USERNAME_FORM_FIELD
    username = (credentials or {}).get(field)
    if username is None and request is not None:
        username = getattr(request, "data", request.POST).get(field)
    return (username or "").strip().lower() or None
