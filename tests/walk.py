"""What the URL walk needs to build every URL pattern.

Each app adds `tests/<app>/walk.py` with:
  PROVIDERS = {"<kwarg name>": lambda world: <value for an object of program B>}
  PUBLIC = {"<namespace:url-name>": "why it is public"}
A kwarg name no provider knows makes the walk fail, so no URL is ever left out.
"""

import importlib

APPS = ("foundation", "policy", "enrollment", "facilities", "consent", "groups", "oversight", "accounts", "security")

PROVIDERS = {
    "slug": lambda w: w.program_b.slug,
    "facility_pk": lambda w: w.facility_b.pk,
    # Django's password-reset link: any value renders the "invalid link" page.
    "uidb64": lambda w: "MQ",
    "token": lambda w: "set-password",
}

PUBLIC = {
    "accounts:login": "login page",
    "accounts:password-reset": "password reset request",
    "accounts:password-reset-done": "password reset request sent",
    "accounts:password-reset-confirm": "password reset link (token checked by Django)",
    "accounts:password-reset-complete": "password reset done",
    "healthz": "health check for the load balancer",
}

for _app in APPS:
    try:
        _module = importlib.import_module(f"tests.{_app}.walk")
    except ModuleNotFoundError as exc:
        if exc.name != f"tests.{_app}.walk" and exc.name != f"tests.{_app}":
            raise
        continue
    PROVIDERS.update(getattr(_module, "PROVIDERS", {}))
    PUBLIC.update(getattr(_module, "PUBLIC", {}))
