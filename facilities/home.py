from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from core.home import Item, Panel
from core.wareki import wareki

from .ledger import mark_missing
from .models import (
    ChangeNotice,
    Facility,
    FacilityConfirmation,
    FacilityStatus,
    NoticeStatus,
    Program,
    Role,
    RoleKind,
    Staff,
    StaffStatus,
    programs_run_by,
    role_facility_ids,
)

# The home page names at most this many pending people per facility; the ledger lists the rest.
PENDING_SHOWN = 5


def nav(user):
    items = []
    for program in programs_run_by(user):
        # The network page: its settings, pledge texts and public addresses (申込・参加施設一覧).
        items.append((f"{program.name} ネットワークの設定", reverse("facilities:program-detail", args=[program.slug])))
        items.append((f"{program.name} 施設一覧", reverse("facilities:facility-list", args=[program.slug])))
        items.append((f"{program.name} 登録事項の変更", reverse("facilities:program-changes", args=[program.slug])))
        if program.policy.change_notice_required:
            items.append((f"{program.name} 変更届", reverse("facilities:notice-inbox", args=[program.slug])))
        items.append((f"{program.name} 利用者と役割", reverse("facilities:people", args=[program.slug])))
        items.append((f"{program.name} 継続確認", reverse("facilities:confirmation-campaigns", args=[program.slug])))
    # Which of them the user administers, in the same query (the menu is on every page).
    administers = Role.objects.active().filter(user=user, facility=OuterRef("pk"), kind=RoleKind.FACILITY_ADMIN)
    mine = Facility.objects.filter(pk__in=role_facility_ids(user)).only("pk", "name")
    for facility in mine.annotate(administers=Exists(administers)):
        items.append((f"{facility.name} 管理台帳", reverse("facilities:facility-detail", args=[facility.pk])))
        if facility.administers:
            items.append((f"{facility.name} 役割と招待", reverse("facilities:facility-people", args=[facility.pk])))
    return items


def _secretariat_panel(program, today):
    facilities = Facility.objects.filter(program=program)
    staff = Staff.objects.filter(program=program)
    items = [
        Item("参加施設", facilities.filter(status=FacilityStatus.ACTIVE).count(),
             reverse("facilities:facility-list", args=[program.slug])),
        Item("利用中の職員", staff.filter(status=StaffStatus.ACTIVE).count()),
        Item("登録準備中の職員", staff.filter(status=StaffStatus.PENDING).count(), alert=True),
    ]
    if program.policy.change_notice_required:
        inbox = reverse("facilities:notice-inbox", args=[program.slug])
        notices = ChangeNotice.objects.filter(program=program)
        items += [
            Item("確認待ちの変更届", notices.awaiting_decision().count(), f"{inbox}?status=filed", alert=True),
            Item("期限を過ぎた変更届", notices.overdue(today=today).count(), f"{inbox}?overdue=on", alert=True),
        ]
    return Panel(title=f"{program.name}（事務局）", items=tuple(items))


def _facility_admin_panel(facility, today):
    ledger = reverse("facilities:facility-detail", args=[facility.pk])
    staff = Staff.objects.filter(facility=facility)
    interval = facility.program.education_interval_days
    pending = staff.filter(status=StaffStatus.PENDING)
    first_pending = list(pending.with_ledger().order_by("full_name_kana")[:PENDING_SHOWN])
    overdue = staff.with_ledger().education_overdue(today=today, interval_days=interval)
    items = [
        Item("利用中の職員", staff.filter(status=StaffStatus.ACTIVE).count(), ledger),
        Item("登録準備中の職員", pending.count(), f"{ledger}?status=pending", alert=True),
    ]
    for person in mark_missing(first_pending, facility):
        if person.missing:
            lacking = "・".join(m.label for m in person.missing)
            items.append(Item(f"　{person.full_name}: {lacking}がない", None,
                              reverse("facilities:staff-detail", args=[person.pk])))
    items.append(Item(f"職員教育の記録がない、または{interval}日を過ぎた職員", overdue.count(),
                      f"{ledger}?status=active&education=on", alert=True))
    if facility.program.policy.change_notice_required:
        notices = reverse("facilities:facility-notices", args=[facility.pk])
        mine = ChangeNotice.objects.filter(facility=facility)
        unsent = mine.filter(status=NoticeStatus.DRAFT, lines__isnull=False)
        returned = mine.filter(status=NoticeStatus.CORRECTION)
        items += [
            Item("提出していない変更届", unsent.distinct().count(), notices, alert=True),
            Item("差戻された変更届", returned.count(), notices, alert=True),
        ]
    return Panel(title=f"{facility.name}（{facility.program.policy.admin_label}）", items=tuple(items))


def panels(user):
    today = timezone.localdate()
    result = [_secretariat_panel(program, today) for program in Program.objects.active().run_by(user)]
    admin_of = role_facility_ids(user, RoleKind.FACILITY_ADMIN)
    for facility in Facility.objects.filter(pk__in=admin_of).select_related("program"):
        result.append(_facility_admin_panel(facility, today))
    awaiting = FacilityConfirmation.objects.awaiting().filter(facility_id__in=admin_of)
    for confirmation in awaiting.select_related("campaign", "facility__program").order_by("campaign__due_on", "pk"):
        result.append(_confirmation_panel(confirmation))
    return result


def _confirmation_panel(confirmation):
    """The facility's administrators are asked to confirm the ledger until they have answered."""
    campaign, facility = confirmation.campaign, confirmation.facility
    url = reverse("facilities:confirmation-answer", args=[confirmation.pk])
    admin_label = facility.program.policy.admin_label
    return Panel(
        title="継続確認のお願い",
        items=(Item(f"{facility.name}: {campaign.title}（{wareki(campaign.due_on)}まで）", None, url, alert=True),),
        note=f"管理台帳の職員が今も在籍しているか、{admin_label}・メールアドレスとあわせて確かめて回答してください。",
    )
