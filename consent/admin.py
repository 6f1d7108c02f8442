from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import AccessLog, CareTeam, ConsentRecord, ConsentTemplate, ErasureRecord, Patient


class NoDeleteMixin:
    # Consent, its versions and the people it concerns are evidence: the admin never deletes them.
    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyMixin(NoDeleteMixin):
    """Written only through the portal's services (or, for the access log, appended by its views)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Patient)
class PatientAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ("pk", "program", "full_name_kana", "birth_date", "origin_facility", "status")
    list_filter = ("program", "status")
    search_fields = ("kana_key",)
    raw_id_fields = ("primary_doctor", "group_leader", "origin_facility", "registered_by")


@admin.register(CareTeam)
class CareTeamAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ("patient", "facility", "reason", "added_at")
    raw_id_fields = ("patient", "facility")


@admin.register(ConsentTemplate)
class ConsentTemplateAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ("program", "version", "form_number", "form_title", "published_at")
    list_filter = ("program",)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_published:
            return [f.name for f in self.model._meta.fields]
        return ("published_at", "published_by")


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    # Recording, withdrawal and scans go through the portal's services.
    list_display = ("pk", "patient", "template", "signed_on", "obtained_by", "withdrawn_on")
    list_filter = ("patient__program",)
    exclude = ("pdf_snapshot",)


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyMixin, admin.ModelAdmin):
    # The log has no history table (it is the history); read-only here, append-only in the database.
    list_display = ("at", "user", "patient", "action", "ip")
    list_filter = ("action",)
    raw_id_fields = ("user", "patient", "consent")


@admin.register(ErasureRecord)
class ErasureRecordAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    # Erasures go through consent.erasure (it scrubs the history tables too); the admin only reads.
    list_display = ("erased_at", "program", "patient", "requested_on", "erased_by", "consents_scrubbed")
    list_filter = ("program",)
    raw_id_fields = ("patient", "program", "erased_by")
