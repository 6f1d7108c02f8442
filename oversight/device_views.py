"""Device registers, take-out and personal-device requests, disaster periods and secondary use:
thin views (scoped getter -> form -> service -> redirect). The engine is asked in the services."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from core.views import show_errors, show_repeated, show_warnings
from facilities.access import can_manage, get_facility_for_user, get_program_for_user, is_secretariat
from facilities.models import RoleKind, role_facility_ids
from policy.rules import SAFEGUARDS

from . import services
from .access import (
    facility_member,
    get_device_for_user,
    get_device_request_for_user,
    get_disaster_for_user,
)
from .forms import DecideForm, DeviceForm, DeviceRequestForm, DisasterForm, RetireForm, SecondaryUseForm
from .models import Device, DeviceRequest, DisasterPeriod, SecondaryUse

PAGE_SIZE = 50


def _form_page(request, form, *, title, submit, back, note="", danger=False):
    return render(request, "oversight/form_page.html", {
        "form": form, "title": title, "submit": submit, "back": back, "note": note, "danger": danger,
    })


def _said_already_done(request, error):
    """A decision taken meanwhile (another tab, a double click): shown as a message on the object's
    page instead of on the form. True when it was one (the view then redirects)."""
    if getattr(error, "code", None) != "already_done":
        return False
    show_errors(request, error)
    return True


def _missing(device, named):
    return [SAFEGUARDS[k] for k in named if k not in device.safeguards]


def device_list(request, facility_pk):
    facility = get_facility_for_user(request.user, facility_pk)
    program = facility.program
    policy = program.policy
    devices = Device.objects.filter(facility=facility).select_related("holder", "disaster").order_by(
        "retired_on", "label", "pk")
    requests = DeviceRequest.objects.filter(facility=facility).select_related("requested_by").order_by(
        "-created_at", "-pk")[:PAGE_SIZE]
    return render(request, "oversight/device_list.html", {
        "facility": facility, "program": program, "policy": policy,
        "rows": [(d, _missing(d, policy.device_safeguards)) for d in devices], "requests": requests,
        "disaster": services.open_disaster(program), "manage": can_manage(request.user, facility),
        "member": facility_member(request.user, facility),
    })


def device_create(request, facility_pk):
    facility = get_facility_for_user(request.user, facility_pk, manage=True)
    form = DeviceForm(request.POST or None, facility=facility, initial={"registered_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            device = services.device_register(facility=facility, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if not show_repeated(request, f"「{device.label}」", device, device.registered_on, device.registered_by):
                show_warnings(request, device.warnings)
                messages.success(request, f"「{device.label}」を台帳に登録しました。")
            return redirect("oversight:device-list", facility_pk=facility.pk)
    disaster = services.open_disaster(facility.program)
    note = "個人所有の端末は、運用ポリシーの定め（書面の承認や安全対策）を確かめてから登録します。"
    if disaster:
        note += f"いまは災害時の特例期間（{disaster.title}）です。承認のない端末も、特例で使った端末として登録できます。"
    return _form_page(request, form, title=f"IT機器を登録する（{facility.name}）", submit="登録する",
                      back=("oversight:device-list", facility.pk), note=note)


def device_retire(request, device_pk):
    device = get_device_for_user(request.user, device_pk, manage=True)
    form = RetireForm(request.POST or None, initial={"retired_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.device_retire(device=device, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            if _said_already_done(request, error):
                return redirect("oversight:device-list", facility_pk=device.facility_id)
            add_service_errors(form, error)
        else:
            messages.success(request, f"「{device.label}」の使用をやめたことを記録しました。")
            return redirect("oversight:device-list", facility_pk=device.facility_id)
    return _form_page(request, form, title=f"「{device.label}」の使用をやめる", submit="記録する",
                      back=("oversight:device-list", device.facility_id),
                      note="端末の中の情報を消去してから記録してください。台帳の記録は残ります。")


def device_request_create(request, facility_pk):
    facility = get_facility_for_user(request.user, facility_pk)
    if not facility_member(request.user, facility):
        raise PermissionDenied
    form = DeviceRequestForm(request.POST or None, facility=facility)
    if request.method == "POST" and form.is_valid():
        try:
            filed = services.device_request_file(facility=facility, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if not show_repeated(request, "この申請", filed, filed.created_at, filed.requested_by):
                messages.success(request, "申請しました。施設の管理者が書面で承認するかどうか判断します。")
            return redirect("oversight:device-request", device_request_pk=filed.pk)
    return _form_page(request, form, title="持ち出し・個人所有の端末の利用を申請する", submit="申請する",
                      back=("oversight:device-list", facility.pk),
                      note="持ち出す情報の内容、格納する媒体、目的、期間を書いて、施設の管理者に申請します。")


def device_request_detail(request, device_request_pk):
    filed = get_device_request_for_user(request.user, device_request_pk)
    can_decide = filed.status == "requested" and filed.facility_id in role_facility_ids(
        request.user, RoleKind.FACILITY_ADMIN)
    return render(request, "oversight/device_request.html", {
        "filed": filed, "program": filed.program, "can_decide": can_decide,
        "safeguards": [SAFEGUARDS[k] for k in filed.safeguards if k in SAFEGUARDS],
    })


def device_request_decide(request, device_request_pk):
    filed = get_device_request_for_user(request.user, device_request_pk, decide=True)
    form = DecideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            filed = services.device_request_decide(request=filed, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            if _said_already_done(request, error):
                return redirect("oversight:device-request", device_request_pk=filed.pk)
            add_service_errors(form, error)
        else:
            show_warnings(request, filed.warnings)
            messages.success(request, f"申請を「{filed.get_status_display()}」にしました。")
            return redirect("oversight:device-request", device_request_pk=filed.pk)
    return _form_page(request, form, title=f"申請を判断する（{filed.get_kind_display()}）", submit="判断を記録する",
                      back=("oversight:device-request", filed.pk),
                      note="申請書（書面）に承認の記入をしてから、その日付を入れてください。")


def disaster(request, slug):
    program = get_program_for_user(request.user, slug, secretariat=True)
    periods = DisasterPeriod.objects.filter(program=program).select_related("opened_by", "closed_by")
    return render(request, "oversight/disaster.html", {
        "program": program, "policy": program.policy, "periods": periods, "form": DisasterForm(),
        "current": next((p for p in periods if p.ended_at is None), None),
        "devices": Device.objects.filter(program=program, disaster__isnull=False).select_related(
            "facility", "disaster", "holder"),
    })


@require_POST
def disaster_open(request, slug):
    program = get_program_for_user(request.user, slug, secretariat=True)
    form = DisasterForm(request.POST)
    if not form.is_valid():
        messages.error(request, "災害の名称を入れてください。")
        return redirect("oversight:disaster", slug=program.slug)
    try:
        period = services.disaster_open(program=program, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        show_errors(request, error)
    else:
        if not show_repeated(request, "この特例期間", period, period.started_at, period.opened_by):
            messages.success(request, "災害時の特例期間を始めました。施設の管理者に知らせました。")
    return redirect("oversight:disaster", slug=program.slug)


@require_POST
def disaster_close(request, disaster_pk):
    period = get_disaster_for_user(request.user, disaster_pk)
    try:
        services.disaster_close(period=period, by=request.user)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, "災害時の特例期間を終えました。特例で登録した端末を確かめてください。")
    return redirect("oversight:disaster", slug=period.program.slug)


def secondary_use_list(request, facility_pk):
    facility = get_facility_for_user(request.user, facility_pk)
    uses = SecondaryUse.objects.filter(facility=facility).select_related("requested_by").order_by("-created_at", "-pk")
    page = Paginator(uses, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "oversight/secondary_use_list.html", {
        "facility": facility, "program": facility.program, "page": page, "policy": facility.program.policy,
        "member": facility_member(request.user, facility),
    })


def secondary_use_create(request, facility_pk):
    facility = get_facility_for_user(request.user, facility_pk)
    if not facility_member(request.user, facility):
        raise PermissionDenied
    form = SecondaryUseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            use = services.secondary_use_record(facility=facility, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if not show_repeated(request, "この二次利用", use, use.created_at, use.requested_by):
                show_warnings(request, use.warnings)
                messages.success(request, "二次利用を記録しました。")
            return redirect("oversight:secondary-use-list", facility_pk=facility.pk)
    return _form_page(request, form, title="MCSの内容の二次利用を記録する", submit="確認して記録する",
                      back=("oversight:secondary-use-list", facility.pk),
                      note="MCSの内容をダウンロード・コピー・印刷して使うことは、原則として禁止されています。"
                           "運用ポリシーが認める場合だけ、ここで確かめてから使ってください。")


def program_secondary_uses(request, slug):
    program = get_program_for_user(request.user, slug, secretariat=True)
    uses = SecondaryUse.objects.filter(program=program).select_related("facility", "requested_by").order_by(
        "-created_at", "-pk")
    page = Paginator(uses, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "oversight/secondary_use_list.html", {
        "program": program, "page": page, "policy": program.policy, "is_secretariat": is_secretariat(
            request.user, program),
    })
