from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    AdminNotice,
    Device,
    DeviceRequest,
    DisasterPeriod,
    Guidance,
    Incident,
    IncidentAction,
    NoticeRecipient,
    SecondaryUse,
)


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


@admin.register(DisasterPeriod)
class DisasterPeriodAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ("pk", "program", "title", "started_at", "ended_at")
    list_filter = ("program",)
    raw_id_fields = ("opened_by", "closed_by")


@admin.register(Device)
class DeviceAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ("pk", "facility", "label", "kind", "ownership", "approved_on", "disaster", "retired_on")
    list_filter = ("program", "ownership", "kind")
    raw_id_fields = ("facility", "holder", "disaster", "registered_by")
    list_select_related = ("facility", "disaster")


@admin.register(DeviceRequest)
class DeviceRequestAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ("pk", "facility", "kind", "status", "requested_by", "decided_on", "written_on")
    list_filter = ("program", "kind", "status")
    raw_id_fields = ("facility", "requested_by", "device", "decided_by")
    list_select_related = ("facility", "requested_by")


@admin.register(SecondaryUse)
class SecondaryUseAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ("pk", "facility", "purpose", "requested_by", "created_at")
    list_filter = ("program", "purpose")
    raw_id_fields = ("facility", "requested_by")
    list_select_related = ("facility", "requested_by")
