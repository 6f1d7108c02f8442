"""The Django admin, for superusers only.

The secretariat runs its network from the portal's own pages, which are scoped to its program;
the admin is not (anyone let in would see every network). Django lets in any active user with
`is_staff`; this site asks for `is_superuser` too, so a flag set by mistake opens nothing.
`tests/foundation/test_admin_site.py` checks that every model a secretariat changes has a
portal page instead.
"""

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig


class SuperuserAdminSite(AdminSite):
    def has_permission(self, request):
        return request.user.is_active and request.user.is_superuser


class SuperuserAdminConfig(AdminConfig):
    """Replaces django.contrib.admin in INSTALLED_APPS: `admin.site` is a SuperuserAdminSite."""

    default_site = "core.admin_site.SuperuserAdminSite"
