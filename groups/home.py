"""The groups app on the home page: reviews and MCS tasks to do; for the secretariat, what needs it."""

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core.home import Item, Panel
from core.wareki import wareki
from facilities.models import Program, programs_run_by, role_facility_ids

from .models import AssociationAdmin, Group, GroupReview, McsTask, ReviewStatus
from .queries import follow_ups_open, next_campaign_on


def _facility_programs(user):
    facilities = role_facility_ids(user)
    if not facilities:
        return Program.objects.none()
    return Program.objects.active().filter(facilities__pk__in=facilities).distinct()


def nav(user):
    """患者グループ for people with a facility role; for the secretariat, its programs' groups too
    (the list, from which the dashboard is one click)."""
    facility_programs = list(_facility_programs(user).only("slug", "name"))
    mine = {program.pk for program in facility_programs}
    run = [program for program in programs_run_by(user) if program.pk not in mine]  # the menu's query, shared
    return [
        (f"患者グループ（{program.name}）", reverse("groups:group-list", args=[program.slug]))
        for program in [*facility_programs, *run]
    ]


def _facility_panel(user, program, today):
    mine = role_facility_ids(user)
    groups = Group.objects.filter(program=program, origin_facility_id__in=mine).with_state()
    reviews = GroupReview.objects.unfinished().for_reviewer(user).filter(group__program=program)
    tasks = McsTask.objects.open().filter(program=program, facility_id__in=mine)
    group_list = reverse("groups:group-list", args=[program.slug])
    return Panel(
        title=f"{program.name} 患者グループ",
        items=(
            Item("利用中のグループ", groups.active().count(), group_list),
            Item("あなたが精査するグループ", reviews.count(), reverse("groups:campaign-list", args=[program.slug]),
                 alert=True),
            Item("MCSでの作業（未対応）", tasks.count(), reverse("groups:task-list", args=[program.slug]), alert=True),
            Item("保管に移すべきグループ", groups.to_archive(program.policy.archive_statuses).count(),
                 f"{group_list}?show=to_archive", alert=True),
            Item("同意がないグループ", groups.active().without_valid_consent().count(),
                 f"{group_list}?show=no_consent", alert=True),
            Item("定期精査で要確認のまま", follow_ups_open().filter(
                Q(membership__group__origin_facility_id__in=mine) | Q(membership__group__leader__user=user),
                membership__group__program=program).count(), f"{group_list}?show=follow_up", alert=True),
        ),
    )


def _secretariat_panel(program, today):
    groups = Group.objects.filter(program=program).with_state()
    tasks = McsTask.objects.open().filter(program=program)
    dashboard = reverse("groups:dashboard", args=[program.slug])
    task_list = reverse("groups:task-list", args=[program.slug])
    policy = program.policy
    escalated = GroupReview.objects.filter(group__program=program, status=ReviewStatus.ESCALATED)
    overdue = groups.review_due(today=today, interval_days=program.review_interval_days)
    items = [
        Item("事務局に回った精査（期限切れ）", escalated.count(), dashboard, alert=True),
        Item("事務局が対応するMCSの作業", tasks.filter(for_secretariat=True).count(), f"{task_list}?secretariat=1",
             alert=True),
        Item("MCSでの作業（全体・未対応）", tasks.count(), task_list),
        Item("保管に移すべきグループ", groups.to_archive(policy.archive_statuses).count(), dashboard, alert=True),
        Item("同意がないグループ", groups.active().without_valid_consent().count(), dashboard, alert=True),
        Item("精査の期限を過ぎたグループ", overdue.filter(in_review=False).count(), dashboard, alert=True),
        Item(f"次の定期精査の目安: {wareki(next_campaign_on(program, today=today))}",
             url=reverse("groups:campaign-list", args=[program.slug])),
    ]
    if policy.association_admin_in_group and not AssociationAdmin.objects.filter(program=program).exists():
        items.append(Item(f"{policy.association_admin_label}が指定されていません", 1,
                          reverse("groups:association-admin", args=[program.slug]), alert=True))
    return Panel(title=f"{program.name} 患者グループ（事務局）", items=tuple(items))


def panels(user):
    today = timezone.localdate()
    result = [_facility_panel(user, program, today) for program in _facility_programs(user)]
    result += [_secretariat_panel(program, today) for program in Program.objects.active().run_by(user)]
    return result
