from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = "患者グループ"

    def ready(self):
        # groups sits above facilities (and consent): they call us through these hooks,
        # inside their own transactions, without importing this app (docs/architecture.md).
        from consent import hooks as consent_hooks
        from facilities import hooks as facilities_hooks

        from . import admin_notice, erasure, queries, services, suspension, withdrawal

        facilities_hooks.staff_removed.connect(services.memberships_end_for_removed_staff)
        facilities_hooks.open_memberships.connect(services.open_membership_count)
        facilities_hooks.admin_changed.connect(admin_notice.admin_changed)
        consent_hooks.patient_erased.connect(erasure.end_groups_of_erased_patient)
        consent_hooks.sharing_stopped.connect(services.stop_sharing)
        consent_hooks.patient_links.connect(queries.patient_group_links)
        facilities_hooks.suspension_started.connect(suspension.restrict_memberships)
        facilities_hooks.suspension_lifted.connect(suspension.restrictions_not_needed)
        facilities_hooks.facility_withdrawn.connect(withdrawal.release_tasks_open)
