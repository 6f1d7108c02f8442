from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import AdminNotice, Guidance, Incident, IncidentAction, NoticeRecipient


class NoDeleteMixin:
    # Reports, their actions, guidance and notices are the record of what happened and what was said.
    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Incident)
class IncidentAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ("pk", "program", "facility", "kind", "status", "discovered_on", "prompt_done_on", "final_done_on")
    list_filter = ("program", "kind", "status")
    raw_id_fields = ("facility", "reported_by", "closed_by")
    list_select_related = ("program", "facility")


@admin.register(IncidentAction)
class IncidentActionAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ("pk", "incident", "kind", "done_on", "by")
    list_filter = ("kind",)
    raw_id_fields = ("incident", "by")
    list_select_related = ("incident__program", "incident__facility", "by")


@admin.register(Guidance)
class GuidanceAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ("pk", "program", "facility", "staff", "kind", "given_on")
    list_filter = ("program", "kind")
    raw_id_fields = ("facility", "staff", "incident", "recorded_by")
    list_select_related = ("program", "facility", "staff")


@admin.register(AdminNotice)
class AdminNoticeAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ("pk", "program", "title", "to_all", "sent_by", "sent_at")
    list_filter = ("program",)
    raw_id_fields = ("sent_by",)


@admin.register(NoticeRecipient)
class NoticeRecipientAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ("pk", "notice", "facility", "read_at", "read_by")
    raw_id_fields = ("notice", "facility", "read_by")
