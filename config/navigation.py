"""Navigation by role and the per-role home page, assembled from each app's `home` module.

Each app owns `<app>/home.py` with `nav(user)` -> [(label, url)] and
`panels(user)` -> [Panel]; this top-level module only puts them together, so the
apps never import each other for it.
"""

from accounts import home as accounts_home
from accounts.middleware import two_factor_required
from consent import home as consent_home
from enrollment import home as enrollment_home
from facilities import home as facilities_home
from groups import home as groups_home
from ledger_import import home as ledger_import_home
from oversight import home as oversight_home
from policy import home as policy_home

APP_HOMES = (
    facilities_home, enrollment_home, consent_home, groups_home, oversight_home, ledger_import_home, policy_home,
    accounts_home,
)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    if not user.is_verified() and two_factor_required(user):
        return {"nav_items": []}  # only the password so far: no programs or facilities
    items = []
    for module in APP_HOMES:
        items.extend(module.nav(user))
    return {"nav_items": items}


def panels(user):
    result = []
    for module in APP_HOMES:
        result.extend(module.panels(user))
    return result
