"""The access log, read by the secretariat per program, per patient and per user.

Rows show ids and who looked: the log itself never copies a patient's personal data.
"""

from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, render

from facilities.access import get_program_for_user

from .access import get_patient_for_user
from .models import AccessLog

LOG_PAGE_SIZE = 100


def _page(request, rows):
    return Paginator(rows.select_related("user"), LOG_PAGE_SIZE).get_page(request.GET.get("page"))


def access_log(request, slug):
    program = get_program_for_user(request.user, slug, secretariat=True)
    rows = AccessLog.objects.for_program(program)
    return render(request, "consent/access_log.html", {
        "program": program, "page": _page(request, rows), "title": f"{program.name} 閲覧記録",
    })


def patient_access_log(request, patient_pk):
    patient = get_patient_for_user(request.user, patient_pk, secretariat=True)
    rows = AccessLog.objects.filter(patient=patient)
    return render(request, "consent/access_log.html", {
        "program": patient.program, "page": _page(request, rows), "patient": patient,
        "title": f"患者番号 {patient.pk} の閲覧記録",
    })


def user_access_log(request, slug, log_user_pk):
    program = get_program_for_user(request.user, slug, secretariat=True)
    rows = AccessLog.objects.for_program(program)
    # Only people of this program, or who looked at its patients: other users stay unknown (404).
    people = get_user_model().objects.filter(Q(roles__program=program) | Q(pk__in=rows.values("user_id")))
    person = get_object_or_404(people.distinct(), pk=log_user_pk)
    return render(request, "consent/access_log.html", {
        "program": program, "page": _page(request, rows.filter(user=person)), "person": person,
        "title": f"{person.full_name} さんの閲覧記録",
    })
