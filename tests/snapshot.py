"""A cheap fingerprint of every table's row count and latest history row, to prove 'nothing changed'."""

from django.apps import apps


def snapshot():
    state = {}
    for model in apps.get_models():
        if model._meta.app_label in {"sessions", "axes", "admin", "contenttypes", "auth"}:
            continue
        if model._meta.label == "accounts.HistoricalUser" or model._meta.label == "accounts.User":
            # last_login moves when the test client logs in
            state[model._meta.label] = model._default_manager.count()
            continue
        manager = model._default_manager
        state[model._meta.label] = (manager.count(), manager.order_by("-pk").values_list("pk", flat=True).first())
    return state
