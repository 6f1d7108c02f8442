from django.core.exceptions import PermissionDenied

from .models import is_read_only

# What a read-only member may still do for their own account (sign out, second factor, password).
OWN_ACCOUNT = frozenset({
    "accounts:logout", "accounts:two-factor", "accounts:two-factor-setup", "accounts:backup-codes-regenerate",
    "accounts:password-change",
})
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


class ReadOnlyRoleMiddleware:
    """A secretariat read-only member (閲覧のみ) sees everything of the program and changes nothing.

    Reads go through the one scoping path (secretariat_program_ids counts them in); every write,
    whatever view it reaches, is refused here with 403, so that a new view cannot forget it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method in SAFE or not getattr(view_func, "login_required", True):
            return None
        if request.resolver_match and request.resolver_match.view_name in OWN_ACCOUNT:
            return None
        if is_read_only(request.user):
            raise PermissionDenied("閲覧のみの役割では変更できません。")
        return None
