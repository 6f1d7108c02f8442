"""The oversight app on the home page: incident reports with their legal deadlines, notices to
confirm, guidance, device requests to decide, the disaster period. No menu item: every page would pay a query for it (the pinned counts of other
apps' pages include the menu), so the home page's panels carry the links, as groups does."""

from django.urls import reverse
from django.utils import timezone

from core.home import Item, Panel
from facilities.models import Program, RoleKind, role_facility_ids

from .models import AdminNotice, DeviceRequest, DisasterPeriod, Incident, NoticeRecipient


def nav(user):
    return []


def _incident_items(incidents, today, url):
    return (
        Item("期限を過ぎた報告・通知がある報告", incidents.overdue(today=today).count(), f"{url}?show=overdue",
             alert=True),
        Item("報告・通知の期限が近い報告", incidents.due_soon(today=today).count(), f"{url}?show=soon", alert=True),
        Item("対応中のトラブル報告", incidents.open().count(), f"{url}?show=open"),
    )


def _report_item(program):
    return Item("トラブル・インシデントを報告する（紛失・盗難、不正アクセス、誤送信など）",
                url=reverse("oversight:incident-create", args=[program.slug]))


def _facility_panel(user, program, today, admin_of):
    mine = role_facility_ids(user)
    incidents = Incident.objects.filter(program=program, facility_id__in=mine)
    url = reverse("oversight:incident-list", args=[program.slug])
    administered = program.facilities.filter(pk__in=admin_of).values_list("pk", flat=True).first()
    if administered is None:
        own = program.facilities.filter(pk__in=mine).values_list("pk", flat=True).first()
        return Panel(title=f"{program.name} トラブル報告・IT機器", items=(
            _report_item(program), Item("あなたの施設の対応中の報告", incidents.open().count(), f"{url}?show=open"),
            Item("IT機器の台帳・持ち出しや個人の端末の申請", url=reverse("oversight:device-list", args=[own])),
        ))
    unread = NoticeRecipient.objects.filter(notice__program=program, facility_id__in=admin_of, read_at__isnull=True)
    waiting = DeviceRequest.objects.awaiting().filter(program=program, facility_id__in=admin_of)
    return Panel(
        title=f"{program.name} トラブル報告・事務局からのお知らせ・IT機器（施設）",
        items=(
            Item("まだ確認していない事務局からのお知らせ", unread.values("notice").distinct().count(),
                 reverse("oversight:notice-list", args=[program.slug]), alert=True),
            *_incident_items(incidents, today, url),
            Item("判断を待っている持ち出し・個人の端末の申請", waiting.count(),
                 reverse("oversight:device-list", args=[administered]), alert=True),
            _report_item(program),
            Item("注意・指導の記録", url=reverse("oversight:guidance-list", args=[program.slug])),
        ),
        note="個人情報保護委員会への報告と本人への通知は施設が行います。期限はポータルが知らせます。",
    )


def _secretariat_panel(program, today):
    incidents = Incident.objects.filter(program=program)
    url = reverse("oversight:incident-list", args=[program.slug])
    unread = AdminNotice.objects.filter(program=program, recipients__read_at__isnull=True).distinct()
    return Panel(
        title=f"{program.name} トラブル報告・監督（事務局）",
        items=(*_incident_items(incidents, today, url),
               Item("件数の集計", url=reverse("oversight:incident-summary", args=[program.slug])),
               Item("未確認の施設が残っているお知らせ", unread.count(),
                    reverse("oversight:notice-list", args=[program.slug])),
               Item("注意・指導の記録", url=reverse("oversight:guidance-list", args=[program.slug])),
               Item("二次利用の記録", url=reverse("oversight:program-secondary-uses", args=[program.slug])),
               _disaster_item(program)),
    )


def _disaster_item(program):
    url = reverse("oversight:disaster", args=[program.slug])
    if not program.policy.byod_allowed_in_disaster:
        return Item("災害時の特例（この運用ポリシーにはありません）", url=url)
    current = DisasterPeriod.objects.open().filter(program=program).values_list("title", flat=True).first()
    if current:
        return Item(f"災害時の特例期間中（{current}）", url=url, alert=True)
    return Item("災害時の特例（台帳にない端末の使用）", url=url)


def panels(user):
    today = timezone.localdate()
    facilities = role_facility_ids(user)
    result = []
    if facilities:
        admin_of = role_facility_ids(user, RoleKind.FACILITY_ADMIN)
        programs = Program.objects.active().filter(facilities__pk__in=facilities).distinct()
        result += [_facility_panel(user, program, today, admin_of) for program in programs]
    result += [_secretariat_panel(program, today) for program in Program.objects.active().run_by(user)]
    return result
