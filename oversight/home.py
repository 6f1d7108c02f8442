"""The oversight app on the home page: incident reports with their legal deadlines, notices to
confirm, guidance, device requests to decide, the disaster period.

No menu item: every page would pay a query for it (the pinned counts of other apps' pages
include the menu), so the home page's panels carry the links, as groups does. The panels cost
two queries for the facility side and one for the secretariat's, however many programs: the
counts are subqueries on the programs' rows.
"""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from core.home import Item, Panel
from facilities.models import Program, Role, RoleKind

from .models import AdminNotice, DeviceRequest, DisasterPeriod, Incident, IncidentQuerySet, NoticeRecipient


def nav(user):
    return []


def _count(queryset, *, program="program", field="pk"):
    """A subquery counting `queryset`'s rows (distinct `field`) of the outer program; 0 when none."""
    counted = (
        queryset.filter(**{program: OuterRef("pk")}).order_by().values(program)
        .annotate(n=Count(field, distinct=True)).values("n")[:1]
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _incident_counts(incidents, today):
    return {
        "overdue": _count(incidents.filter(IncidentQuerySet.overdue_q(today))),
        "soon": _count(incidents.filter(IncidentQuerySet.due_soon_q(today))),
        "open": _count(incidents.open()),
    }


def _incident_items(program, url):
    return (
        Item("期限を過ぎた報告・通知がある報告", program.overdue, f"{url}?show=overdue", alert=True),
        Item("報告・通知の期限が近い報告", program.soon, f"{url}?show=soon", alert=True),
        Item("対応中のトラブル報告", program.open, f"{url}?show=open"),
    )


def _report_item(program):
    return Item("トラブル・インシデントを報告する（紛失・盗難、不正アクセス、誤送信など）",
                url=reverse("oversight:incident-create", args=[program.slug]))


def _facility_panels(user, today):
    roles = Role.objects.filter(user=user, is_active=True, facility__isnull=False, program__is_active=True)
    rows = list(roles.values_list("kind", "facility_id", "program_id"))
    if not rows:
        return []
    mine = {facility for _, facility, _ in rows}
    admin_of = {facility for kind, facility, _ in rows if kind == RoleKind.FACILITY_ADMIN}
    # Per program, the facility its links go to: one the person administers, else any of theirs.
    shown = {}
    for _, facility, program in sorted(rows, key=lambda r: (r[1] not in admin_of, r[1])):
        shown.setdefault(program, facility)
    programs = Program.objects.filter(pk__in=shown).order_by("name").annotate(
        **_incident_counts(Incident.objects.filter(facility_id__in=mine), today),
        unread=_count(NoticeRecipient.objects.filter(facility_id__in=admin_of, read_at__isnull=True),
                      program="notice__program", field="notice"),
        waiting=_count(DeviceRequest.objects.awaiting().filter(facility_id__in=admin_of)),
    )
    return [_facility_panel(program, shown[program.pk], shown[program.pk] in admin_of) for program in programs]


def _facility_panel(program, facility_pk, is_admin):
    url = reverse("oversight:incident-list", args=[program.slug])
    devices = reverse("oversight:device-list", args=[facility_pk])
    if not is_admin:
        return Panel(title=f"{program.name} トラブル報告・IT機器", items=(
            _report_item(program), Item("あなたの施設の対応中の報告", program.open, f"{url}?show=open"),
            Item("IT機器の台帳・持ち出しや個人の端末の申請", url=devices),
        ))
    return Panel(
        title=f"{program.name} トラブル報告・事務局からのお知らせ・IT機器（施設）",
        items=(
            Item("まだ確認していない事務局からのお知らせ", program.unread,
                 reverse("oversight:notice-list", args=[program.slug]), alert=True),
            *_incident_items(program, url),
            Item("判断を待っている持ち出し・個人の端末の申請", program.waiting, devices, alert=True),
            _report_item(program),
            Item("注意・指導の記録", url=reverse("oversight:guidance-list", args=[program.slug])),
        ),
        note="個人情報保護委員会への報告と本人への通知は施設が行います。期限はポータルが知らせます。",
    )


def _secretariat_panels(user, today):
    disaster = DisasterPeriod.objects.open().filter(program=OuterRef("pk")).values("title")[:1]
    programs = Program.objects.active().run_by(user).annotate(
        **_incident_counts(Incident.objects.all(), today),
        unread=_count(AdminNotice.objects.filter(recipients__read_at__isnull=True)),
        disaster=Subquery(disaster),
    )
    return [_secretariat_panel(program) for program in programs]


def _secretariat_panel(program):
    url = reverse("oversight:incident-list", args=[program.slug])
    return Panel(
        title=f"{program.name} トラブル報告・監督（事務局）",
        items=(*_incident_items(program, url),
               Item("件数の集計", url=reverse("oversight:incident-summary", args=[program.slug])),
               Item("未確認の施設が残っているお知らせ", program.unread,
                    reverse("oversight:notice-list", args=[program.slug])),
               Item("注意・指導の記録", url=reverse("oversight:guidance-list", args=[program.slug])),
               Item("二次利用の記録", url=reverse("oversight:program-secondary-uses", args=[program.slug])),
               _disaster_item(program)),
    )


def _disaster_item(program):
    url = reverse("oversight:disaster", args=[program.slug])
    if not program.policy.byod_allowed_in_disaster:
        return Item("災害時の特例（この運用ポリシーにはありません）", url=url)
    if program.disaster:
        return Item(f"災害時の特例期間中（{program.disaster}）", url=url, alert=True)
    return Item("災害時の特例（台帳にない端末の使用）", url=url)


def panels(user):
    today = timezone.localdate()
    return _facility_panels(user, today) + _secretariat_panels(user, today)
