from django.contrib import admin

from .models import PreparedFile, Reminder


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """What `run_reminders` sent: read only, the record that nothing was sent twice."""

    list_display = ("sent_at", "kind", "object_key", "step", "recipients")
    list_filter = ("kind",)
    search_fields = ("object_key", "step")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PreparedFile)
class PreparedFileAdmin(admin.ModelAdmin):
    """Reports made by background jobs (their bytes are not shown here)."""

    list_display = ("requested_at", "filename", "status", "requested_by", "finished_at")
    list_filter = ("status",)
    fields = ("key", "filename", "status", "error", "requested_by", "requested_at", "finished_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
