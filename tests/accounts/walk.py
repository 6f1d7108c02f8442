"""The accounts app's part of the access table (tests/walk.py): every signed-in person has these pages."""

from tests.walk import EVERYONE, GET, POST, Access, Kwarg

ACCESS = {
    "accounts:login": Access(GET, EVERYONE, public="login page"),
    "accounts:logout": Access(POST, EVERYONE),
    "accounts:two-factor": Access(GET, EVERYONE, status=302),  # already verified: on to the next page
    "accounts:two-factor-setup": Access(GET, EVERYONE),
    "accounts:security": Access(GET, EVERYONE),
    "accounts:backup-codes-regenerate": Access(POST, EVERYONE),
    "accounts:password-change": Access(GET, EVERYONE),
    "accounts:password-change-done": Access(GET, EVERYONE),
    "accounts:password-reset": Access(GET, EVERYONE, public="password reset request"),
    "accounts:password-reset-done": Access(GET, EVERYONE, public="password reset request sent"),
    "accounts:password-reset-confirm": Access(GET, EVERYONE,
                                              public="password reset link (token checked by Django)"),
    "accounts:password-reset-complete": Access(GET, EVERYONE, public="password reset done"),
}


def _same(value):
    return Kwarg("token", own=lambda s: value, other=lambda s: value)


KWARGS = {
    # Django's password-reset link: any value renders the "invalid link" page.
    "uidb64": _same("MQ"),
    "token": _same("set-password"),
}
