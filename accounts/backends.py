from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """Log in by e-mail address, case-insensitively (the manager looks up email__iexact)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is not None:
            username = username.strip()
        return super().authenticate(request, username=username, password=password, **kwargs)
