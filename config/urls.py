from django.contrib import admin
from django.urls import include, path

from core.views import healthz

from . import views

handler404 = "config.views.error_404"
handler403 = "config.views.error_403"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("", include("facilities.urls")),
    path("", include("enrollment.urls")),
    path("", include("consent.urls")),
    path("", include("groups.urls")),
    path("", include("oversight.urls")),
    path("", include("ledger_import.urls")),
    path("policy/", include("policy.urls")),
    path("admin/", admin.site.urls),
]
