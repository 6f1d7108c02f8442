from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .access import log_access_many
from .models import AccessAction, AccessLog, CareTeam, ConsentRecord, ConsentTemplate, ErasureRecord, Patient


class PatientViewLogged:
    """An admin page that shows a patient's data is a view of it too: logged like the portal's pages.

    `patient_field`: the way from a row to its patient ("pk" for the patient itself, "patient",
    "group__patient"). The list logs the patients of the rows on its page; the change and history
    pages log the one patient.
    """

    patient_field = "patient"

    def _patient_id(self, obj):
        *hops, last = self.patient_field.split("__")
        for hop in hops:
            obj = getattr(obj, hop, None) if obj is not None else None
        if obj is None:
            return None
        return obj.pk if last == "pk" else getattr(obj, f"{last}_id")

    def _log(self, request, objects):
        ids = [self._patient_id(obj) for obj in objects]
        if any(ids):
            log_access_many(request, ids, AccessAction.VIEW_ADMIN)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            self._log(request, changelist.result_list)
        return response

    def _log_one(self, request, object_id, response):
        if response.status_code == 200:
            obj = self.get_object(request, object_id)
            if obj is not None:
                self._log(request, [obj])
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return self._log_one(request, object_id, super().change_view(request, object_id, form_url, extra_context))

    def history_view(self, request, object_id, extra_context=None):
        return self._log_one(request, object_id, super().history_view(request, object_id, extra_context))


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
class PatientAdmin(PatientViewLogged, NoDeleteMixin, SimpleHistoryAdmin):
    patient_field = "pk"
    list_display = ("pk", "program", "full_name_kana", "birth_date", "origin_facility", "status")
    list_filter = ("program", "status")
    search_fields = ("kana_key",)
    raw_id_fields = ("primary_doctor", "group_leader", "origin_facility", "registered_by")


@admin.register(CareTeam)
class CareTeamAdmin(PatientViewLogged, NoDeleteMixin, SimpleHistoryAdmin):
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
class ConsentRecordAdmin(PatientViewLogged, ReadOnlyMixin, SimpleHistoryAdmin):
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
