"""A facility's suspension and withdrawal pages (the services: facilities/life.py, groups/withdrawal.py).

They live in groups, above facilities and consent, because they show what a suspension means for
group memberships (and their MCS tasks) and hand patients over: docs/architecture.md.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from consent.access import log_access
from consent.models import AccessAction
from core.forms import add_service_errors
from core.pdf import pdf_view, render_pdf
from core.views import show_errors
from facilities.access import can_manage, get_facility_for_user, is_secretariat
from facilities.life import default_article, may_decide, may_suspend_staff, suspension_lift, suspension_start
from facilities.models import Facility, FacilityStatus, Staff, Suspension, Withdrawal

from .life_forms import LiftForm, SuspensionForm, WithdrawalForm
from .models import McsTask, Membership, TaskKind
from .suspension import memberships_of, restriction_tasks
from .views import _confirmable
from .withdrawal import facility_withdraw_with_patients, hand_over_targets, patients_of


def _get_suspension_for_user(user, pk, *, lift=False):
    suspension = get_object_or_404(
        Suspension.objects.visible_to(user).select_related("facility__program", "staff", "created_by", "lifted_by"),
        pk=pk,
    )
    facility = suspension.facility
    if not can_manage(user, facility):
        raise PermissionDenied
    if lift and not may_decide(user, facility=facility, staff=suspension.staff):
        raise PermissionDenied
    return suspension


def _get_withdrawal_for_user(user, pk):
    withdrawal = get_object_or_404(
        Withdrawal.objects.filter(facility__in=Facility.objects.visible_to(user)).select_related(
            "facility__program", "recorded_by"
        ),
        pk=pk,
    )
    if not is_secretariat(user, withdrawal.program):
        raise PermissionDenied
    return withdrawal


def facility_life(request, facility_pk):
    """The facility's suspensions (in force and past) and, once it has left, its withdrawal record."""
    facility = get_facility_for_user(request.user, facility_pk, manage=True)
    suspensions = facility.suspensions.select_related("staff", "created_by", "lifted_by")
    secretariat = is_secretariat(request.user, facility.program)
    return render(request, "groups/facility_life.html", {
        "facility": facility, "policy": facility.program.policy, "suspensions": suspensions,
        "withdrawal": Withdrawal.objects.filter(facility=facility).first(), "secretariat": secretariat,
        "may_suspend": facility.status != FacilityStatus.WITHDRAWN
        and (secretariat or may_suspend_staff(request.user, facility)),
        "today": timezone.localdate(),
    })


def suspension_add(request, facility_pk):
    facility = get_facility_for_user(request.user, facility_pk, manage=True)
    if not may_suspend_staff(request.user, facility):
        raise PermissionDenied
    secretariat = is_secretariat(request.user, facility.program)
    form = SuspensionForm(request.POST or None, facility=facility, whole_facility=secretariat,
                          article=default_article(request.user, facility))
    if request.method == "POST" and form.is_valid():
        try:
            suspension = suspension_start(facility=facility, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            said = f"{suspension.target_label}の利用停止を記録しました。"
            if suspension.memberships_listed:
                said += f"参加中のグループ{suspension.memberships_listed}件について、MCSでの作業を作りました。"
            messages.success(request, said)
            return redirect("groups:suspension-detail", suspension_pk=suspension.pk)
    return render(request, "groups/suspension_form.html", {"facility": facility, "form": form,
                                                            "policy": facility.program.policy})


def suspension_detail(request, suspension_pk):
    """The suspension, the memberships it concerns (still open) and the MCS tasks to restrict them."""
    suspension = _get_suspension_for_user(request.user, suspension_pk)
    facility = suspension.facility
    allowed = may_decide(request.user, facility=facility, staff=suspension.staff)
    tasks = restriction_tasks(suspension).select_related("group__patient", "facility", "done_by", "program")
    return render(request, "groups/suspension_detail.html", {
        "suspension": suspension, "facility": facility,
        "memberships": memberships_of(suspension).order_by("group_id", "pk"),
        "tasks": _confirmable(request.user, tasks.in_mcs_order()),
        "may_lift": allowed and not suspension.is_lifted, "form": LiftForm(),
    })


@require_POST
def suspension_lift_view(request, suspension_pk):
    suspension = _get_suspension_for_user(request.user, suspension_pk, lift=True)
    form = LiftForm(request.POST)
    if not form.is_valid():
        show_errors(request, ValidationError([e for errors in form.errors.values() for e in errors]))
        return redirect("groups:suspension-detail", suspension_pk=suspension.pk)
    try:
        suspension_lift(suspension=suspension, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, f"{suspension.target_label}の利用停止を解除しました。")
    return redirect("groups:suspension-detail", suspension_pk=suspension.pk)


def facility_withdraw(request, facility_pk):
    """The 退会 checklist: what will happen (staff, memberships, patients), then all of it at once."""
    facility = get_facility_for_user(request.user, facility_pk, manage=True)
    if not is_secretariat(request.user, facility.program):
        raise PermissionDenied
    if facility.status == FacilityStatus.WITHDRAWN:
        messages.info(request, "この施設はすでに退会しています。")
        return redirect("groups:facility-life", facility_pk=facility.pk)
    patients = list(patients_of(facility))
    targets = list(hand_over_targets(facility).order_by("number"))
    form = WithdrawalForm(request.POST or None, patients=patients, targets=targets)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            withdrawal = facility_withdraw_with_patients(
                facility=facility, by=request.user, withdrawn_on=data["withdrawn_on"], reason=data["reason"],
                devices=data["devices"], choices=form.choices(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{facility.name}の退会を記録しました。職員{withdrawal.staff_removed}名を削除し、"
                                      f"MCSでのスタッフ解除の作業を{withdrawal.release_tasks}件作りました。")
            return redirect("groups:facility-life", facility_pk=facility.pk)
    for patient in patients:  # the checklist names them: each view is logged as any patient page is
        log_access(request, patient, AccessAction.VIEW_PAGE)
    staff = Staff.objects.current().filter(facility=facility).order_by("full_name_kana", "pk")
    seats = Membership.objects.open().filter(staff__facility=facility)
    return render(request, "groups/facility_withdraw.html", {
        "facility": facility, "form": form, "staff": staff, "open_memberships": seats.count(),
        "patient_fields": [form[name] for name in form.patient_fields],
        "other_fields": [form[name] for name in ("withdrawn_on", "reason", "devices", "confirm")],
        "policy": facility.program.policy,
    })


def withdrawal_pdf(request, withdrawal_pk):
    """The printable 退会 record (和暦), from what the withdrawal stored."""
    withdrawal = _get_withdrawal_for_user(request.user, withdrawal_pk)
    tasks = McsTask.objects.filter(kind=TaskKind.RELEASE, facility=withdrawal.facility).select_related("staff")
    removed = Staff.objects.filter(facility=withdrawal.facility, removal__isnull=False).select_related("removal")

    def make():
        return render_pdf("groups/pdf/withdrawal.html", {
            "withdrawal": withdrawal, "facility": withdrawal.facility, "program": withdrawal.program,
            "policy": withdrawal.program.policy, "staff": removed.order_by("full_name_kana", "pk"),
            "tasks": tasks.order_by("pk"), "made_on": timezone.localdate(),
        })

    return pdf_view(request, make, f"退会記録_{withdrawal.facility.number}.pdf")
