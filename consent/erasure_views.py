"""The secretariat's erasure of a patient's personal data: a confirmation page, then a POST.

Only the program's secretariat reaches these pages (facility roles get 403, outsiders 404).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from core.forms import add_service_errors
from facilities.access import get_program_for_user

from . import erasure
from .access import get_patient_for_user, log_access
from .forms import ErasureForm, ErasureLookupForm
from .models import AccessAction, ErasureRecord, Patient

ERASURE_PAGE_SIZE = 50


def erasure_list(request, slug):
    """Erasures done in the program, and where to start one (by the patient's number)."""
    program = get_program_for_user(request.user, slug, secretariat=True)
    lookup = ErasureLookupForm(request.GET or None)
    if lookup.is_valid():
        number = lookup.cleaned_data["patient_number"]
        if Patient.objects.visible_to(request.user).filter(program=program, pk=number).exists():
            return redirect("consent:patient-erase", patient_pk=number)
        lookup.add_error("patient_number", "この番号の患者は、このネットワークにいません。")
    erasures = ErasureRecord.objects.filter(program=program).select_related("erased_by").order_by("-erased_at", "-pk")
    page = Paginator(erasures, ERASURE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "consent/erasure_list.html", {"program": program, "page": page, "lookup": lookup})


def patient_erase(request, patient_pk):
    patient = get_patient_for_user(request.user, patient_pk, secretariat=True)
    done = ErasureRecord.objects.filter(patient=patient).select_related("erased_by").first()
    if done is not None:
        # Nothing personal is left to show or to erase: the page says who erased it and when.
        return render(request, "consent/patient_erase.html", {
            "patient": patient, "program": patient.program, "erasure": done,
        }, status=409 if request.method == "POST" else 200)
    form = ErasureForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            done = erasure.patient_erase(
                patient=patient, by=request.user, reason=data["reason"], requested_on=data["requested_on"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"患者番号 {done.patient_id} の個人情報を消去しました。")
            return redirect("consent:erasure-list", slug=patient.program.slug)
    log_access(request, patient, AccessAction.VIEW_PAGE)  # the page shows the name, to confirm the right person
    consents = patient.consents.defer("pdf_snapshot")
    return render(request, "consent/patient_erase.html", {
        "patient": patient, "program": patient.program, "form": form,
        "consent_count": consents.count(), "scan_count": consents.exclude(scan="").count(),
    }, status=400 if request.method == "POST" else 200)
