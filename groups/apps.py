from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = "患者グループ"

    def ready(self):
        # groups sits above facilities (and consent): they call us through these hooks,
        # inside their own transactions, without importing this app (docs/architecture.md).
        from consent import hooks as consent_hooks
        from facilities import hooks as facilities_hooks

        from . import erasure, services

        facilities_hooks.register_staff_removal_hook(services.end_memberships_of_removed_staff)
        facilities_hooks.register_open_membership_counter(services.count_open_memberships)
        consent_hooks.register_patient_erasure_hook(erasure.end_groups_of_erased_patient)
