from django.core.paginator import Paginator
from django.shortcuts import render

from .access import get_facility_for_user, get_program_for_user, is_secretariat
from .models import Facility, FacilityKind, FacilityStatus, Staff


def program_detail(request, slug):
    program = get_program_for_user(request.user, slug)
    return render(
        request,
        "facilities/program_detail.html",
        {"program": program, "policy": program.policy, "is_secretariat": is_secretariat(request.user, program)},
    )


def facility_list(request, slug):
    program = get_program_for_user(request.user, slug, secretariat=True)
    facilities = Facility.objects.visible_to(request.user).filter(program=program).order_by("number")
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    q = request.GET.get("q", "").strip()
    if status in FacilityStatus.values:
        facilities = facilities.filter(status=status)
    if kind in FacilityKind.values:
        facilities = facilities.filter(kind=kind)
    if q:
        facilities = facilities.filter(name__icontains=q) | facilities.filter(name_kana__icontains=q)
    page = Paginator(facilities, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "facilities/facility_list.html",
        {
            "program": program, "page": page, "statuses": FacilityStatus.choices, "kinds": FacilityKind.choices,
            "status": status, "kind": kind, "q": q,
        },
    )


def facility_detail(request, facility_pk):
    facility = get_facility_for_user(request.user, facility_pk)
    staff = Staff.objects.visible_to(request.user).filter(facility=facility).order_by("status", "full_name_kana")
    return render(request, "facilities/facility_detail.html", {"facility": facility, "staff": staff})
