"""Groups, members and MCS tasks: thin views (scoped getter -> form -> service -> redirect/render)."""

from functools import partial

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from consent.access import log_access_many
from core.forms import add_service_errors
from core.views import private_search, show_errors, show_repeated, show_warnings
from facilities.access import get_facility_for_user, get_program_for_user, is_secretariat
from facilities.models import FacilityStatus, Staff, StaffStatus

from . import admin_notice, queries, reviews, services, tasks
from .access import (
    can_confirm_task,
    can_create_in,
    can_edit_membership,
    can_manage_group,
    get_follow_up_for_user,
    get_group_for_user,
    get_membership_for_user,
    get_task_for_user,
    log_group,
)
from .forms import (
    AdminNoticeGroupForm,
    ArchiveForm,
    AssociationAdminForm,
    DeletionForm,
    FollowUpForm,
    GroupCreateForm,
    InviteForm,
    LeaderForm,
    MemberRemoveForm,
    MemberSearchForm,
    PersonForm,
    TaskConfirmForm,
    family_blocks,
)
from .models import (
    OPEN_STATUSES,
    AssociationAdmin,
    DashboardLine,
    Decision,
    Group,
    GroupKind,
    GroupStatus,
    McsTask,
    TaskStatus,
)

PAGE_SIZE = 50


# --- The register ------------------------------------------------------------------------

LIST_FILTERS = {
    "active": ("利用中", lambda qs, program: qs.active()),
    "archived": ("保管", lambda qs, program: qs.filter(status=GroupStatus.ARCHIVED)),
    "deleted": ("削除済み", lambda qs, program: qs.filter(status=GroupStatus.DELETED)),
    "to_archive": ("保管に移すべき", lambda qs, program: qs.to_archive(program.policy.archive_statuses)),
    "no_consent": ("同意がない", lambda qs, program: qs.active().without_valid_consent()),
    "follow_up": ("要確認が残る", lambda qs, program: qs.filter(
        pk__in=queries.follow_ups_open().values("membership__group_id"))),
    "all": ("すべて", lambda qs, program: qs),
}


def group_list(request, slug):
    program = get_program_for_user(request.user, slug)
    response, query = private_search(request, ("q",))
    if response:
        return response
    shown = query.get("show", "active")
    shown = shown if shown in LIST_FILTERS else "active"
    groups = Group.objects.visible_to(request.user).filter(program=program).with_state()
    groups = LIST_FILTERS[shown][1](groups, program)
    q = query.get("q", "").strip()
    if q:
        reading = q.replace(" ", "")
        groups = groups.filter(
            Q(patient__full_name__icontains=q)
            | Q(patient__kana_key__icontains=reading)
            | Q(title__icontains=q)
        )
    groups = groups.select_related("patient", "origin_facility", "leader").annotate(
        open_members=Count("memberships", filter=Q(memberships__status__in=OPEN_STATUSES))
    ).order_by("-created_at", "-pk")
    page = Paginator(groups, PAGE_SIZE).get_page(request.GET.get("page"))
    log_access_many(request, [g.patient_id for g in page.object_list])
    return render(request, "groups/group_list.html", {
        "program": program, "page": page, "shown": shown,
        "filters": [(key, label) for key, (label, _) in LIST_FILTERS.items()],
        "q": q, "can_create": can_create_in(request.user, program),
        "is_secretariat": is_secretariat(request.user, program),
    })


def group_create(request, slug):
    program = get_program_for_user(request.user, slug)
    if not can_create_in(request.user, program):
        raise PermissionDenied
    form = GroupCreateForm(request.POST or None, program=program, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_create(program=program, by=request.user, **form.service_kwargs())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if not show_repeated(request, f"このグループ（グループ番号{group.pk}）", group, group.created_at,
                                 group.created_by):
                show_warnings(request, group.warnings)
                messages.success(request, "グループを登録しました。MCSでグループを作成し、作業を「対応済み」にしてください。")
            return redirect("groups:group-detail", group_pk=group.pk)
    context = {"program": program, "form": form, "policy": program.policy}
    return render(request, "groups/group_form.html", context)


def group_detail(request, group_pk):
    user = request.user
    group = queries.group_with_state(get_group_for_user(user, group_pk).pk)
    tasks = group.tasks.select_related("facility", "done_by")
    program = group.program
    rows = queries.member_rows(group, today=timezone.localdate())
    has_admin = not queries.needs_association_admin(group) or any(
        r.membership.is_association_admin for r in rows
    )
    manage = can_manage_group(request.user, group)
    follow_ups = queries.follow_ups_open().filter(membership__group=group).select_related(
        "membership__staff__facility", "review__campaign", "decided_by"
    )
    log_group(request, group)
    return render(request, "groups/group_detail.html", {
        "group": group, "program": program, "policy": program.policy, "rows": rows,
        "sharing_stopped": queries.sharing_stopped(group),
        "restore_blocks": services.restore_blocks(group) if manage and group.status == GroupStatus.ARCHIVED else [],
        "follow_ups": [(item, FollowUpForm(prefix=f"f{item.pk}")) for item in follow_ups] if manage else
        [(item, None) for item in follow_ups],
        "flags": queries.group_flags(group, program.policy, has_association_admin=has_admin),
        "missing_association_admin": not has_admin,
        "past": group.memberships.exclude(status__in=OPEN_STATUSES).select_related("staff__facility"),
        "tasks": _confirmable(user, tasks.in_mcs_order()),
        "keeps_association_admin": queries.needs_association_admin(group),
        "reviews": group.reviews.select_related("campaign", "reviewer", "completed_by").order_by("-pk"),
        "manage": manage,
        "can_edit_members": {r.membership.pk for r in rows if can_edit_membership(user, r.membership)},
        "family_allowed": group.kind == GroupKind.FAMILY and not family_blocks(program),
        "history": group.history.select_related("history_user")[:20],
    })


def _confirmable(user, tasks):
    """Mark the tasks the user may confirm from the page they are listed on."""
    tasks = list(tasks)
    for task in tasks:
        task.can_confirm = task.status == TaskStatus.OPEN and can_confirm_task(user, task)
    return tasks


# --- Members -----------------------------------------------------------------------------


def member_add(request, group_pk):
    """Search the program's staff (approved facilities, not removed) and invite one."""
    group = get_group_for_user(request.user, group_pk, manage=True)
    program = group.program
    if request.method == "POST":
        form = InviteForm(request.POST, program=program)
        if form.is_valid():
            try:
                staff = form.cleaned_data["staff"]
                membership = services.member_add(group=group, by=request.user, staff=staff)
            except ValidationError as error:
                show_errors(request, error)
            else:
                _invited(request)(membership)
                return redirect("groups:group-detail", group_pk=group.pk)
        else:
            messages.error(request, "招待する職員を選んでください。")
    search = MemberSearchForm(request.GET or None, program=program)
    in_group = group.memberships.filter(status__in=OPEN_STATUSES).values("staff_id")
    staff = (
        Staff.objects.filter(program=program, facility__status=FacilityStatus.ACTIVE)
        .exclude(status=StaffStatus.REMOVED).exclude(pk__in=in_group)
        .with_ledger().select_related("facility").order_by("facility__number", "full_name_kana", "pk")
    )
    page = Paginator(search.filter(staff), PAGE_SIZE).get_page(request.GET.get("page"))
    log_group(request, group)
    return render(request, "groups/member_add.html", {
        "group": group, "program": program, "search": search, "page": page, "policy": program.policy,
    })


def _form_page(request, group, form, act, done, **page):
    """The shape of every small form about a group: a valid POST goes to the service, then back to
    the group; the service's refusal goes onto the form."""
    if request.method == "POST" and form.is_valid():
        try:
            result = act(**form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            done(result)
            return redirect("groups:group-detail", group_pk=group.pk)
    log_group(request, group)
    return render(request, "groups/form_page.html", {"group": group, "form": form, **page})


def _post_action(request, group, act, done):
    """A button on the group's page: do it, say how it went, back to the group."""
    try:
        result = act()
    except ValidationError as error:
        show_errors(request, error)
    else:
        done(result)
    return redirect("groups:group-detail", group_pk=group.pk)


def _invited(request):
    def done(membership):
        show_warnings(request, membership.warnings)
        messages.success(request, f"{membership.display_name}さんを招待しました。MCSでも招待してください。")

    return done


def _said(request, message):
    return lambda result: messages.success(request, message)


def person_add(request, group_pk):
    group = get_group_for_user(request.user, group_pk, manage=True)
    act = partial(services.member_add_person, group=group, by=request.user)
    return _form_page(request, group, PersonForm(request.POST or None), act, _invited(request),
                      title="患者・家族を招待する", submit="招待する")


@require_POST
def association_admin_add(request, group_pk):
    group = get_group_for_user(request.user, group_pk, manage=True)
    act = partial(services.association_admin_add, group=group, by=request.user)
    return _post_action(request, group, act, _invited(request))


@require_POST
def member_respond(request, membership_pk):
    membership = get_membership_for_user(request.user, membership_pk, edit=True)
    accepted = request.POST.get("answer") == "accepted"
    act = partial(services.member_respond, membership=membership, by=request.user, accepted=accepted)
    answer = "参加" if accepted else "辞退"
    return _post_action(request, membership.group, act,
                        _said(request, f"{membership.display_name}さんの{answer}を記録しました。"))


def member_remove(request, membership_pk):
    membership = get_membership_for_user(request.user, membership_pk, edit=True)
    if not membership.is_open:
        messages.info(request, "このメンバーはすでに外れています。")
        return redirect("groups:group-detail", group_pk=membership.group_id)
    name = membership.display_name
    act = partial(services.member_remove, membership=membership, by=request.user)
    return _form_page(request, membership.group, MemberRemoveForm(request.POST or None, membership=membership), act,
                      _said(request, f"{name}さんを外しました。MCSでもグループから外してください。"),
                      title=f"{name}さんをグループから外す", page_title="メンバーをグループから外す",
                      submit="外す", danger=True)


# --- The group's life --------------------------------------------------------------------


def group_leader(request, group_pk):
    group = get_group_for_user(request.user, group_pk, manage=True)
    act = partial(services.group_set_leader, group=group, by=request.user)
    return _form_page(request, group, LeaderForm(request.POST or None, group=group), act,
                      _said(request, "リーダーを変更しました。MCSでもグループの管理者を変更してください。"),
                      title="リーダーを変更する", submit="変更する")


def group_archive(request, group_pk):
    group = get_group_for_user(request.user, group_pk, manage=True)
    act = partial(services.group_archive, group=group, by=request.user)
    return _form_page(request, group, ArchiveForm(request.POST or None, group=group), act,
                      _said(request, "グループを保管にしました。MCSでも保管してください。"),
                      title="グループを保管する", submit="保管する", note=group.program.policy.archive_rule)


@require_POST
def group_restore(request, group_pk):
    group = get_group_for_user(request.user, group_pk, manage=True)
    act = partial(services.group_restore, group=group, by=request.user)
    return _post_action(request, group, act, _said(request, "グループを保管から戻しました。MCSでも戻してください。"))


def group_deletion(request, group_pk):
    group = get_group_for_user(request.user, group_pk, manage=True)

    def done(task):
        who = "事務局" if task.for_secretariat else "連携元事業所"
        messages.success(request, f"削除の依頼を記録しました。{who}がMCSで削除し、作業を「対応済み」にします。")

    act = partial(services.group_request_deletion, group=group, by=request.user)
    return _form_page(
        request, group, DeletionForm(request.POST or None, program=group.program), act, done,
        title="グループの削除を依頼する（患者・家族の申出）", submit="依頼する", danger=True,
        note="ポータルの記録は消えません。MCSでの削除が済んだら、作業を「対応済み」にするとグループは削除済みになります。",
    )


@require_POST
def follow_up_settle(request, decision_pk):
    """Settle a 要確認 left by a completed review (the group's managers)."""
    item = get_follow_up_for_user(request.user, decision_pk, manage=True)
    group = item.membership.group
    form = FollowUpForm(request.POST, prefix=f"f{item.pk}")
    if not form.is_valid():
        show_errors(request, ValidationError([e for errors in form.errors.values() for e in errors]))
        return redirect("groups:group-detail", group_pk=group.pk)
    try:
        decided = reviews.follow_up_settle(decision=item, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        show_errors(request, error)
    else:
        said = "メンバーから外しました。MCSでも外してください。" if decided.settled_as == Decision.REMOVE else "継続にしました。"
        messages.success(request, f"{item.membership.display_name}さんの要確認を確認しました。{said}")
    return redirect("groups:group-detail", group_pk=group.pk)


# --- MCS tasks ---------------------------------------------------------------------------


def task_list(request, slug):
    program = get_program_for_user(request.user, slug)
    shown = request.GET.get("show", "open")
    tasks = McsTask.objects.visible_to(request.user).filter(program=program)
    if shown == "open":
        tasks = tasks.open()
    elif shown == "done":
        tasks = tasks.filter(status=TaskStatus.DONE)
    if request.GET.get("secretariat"):
        tasks = tasks.filter(for_secretariat=True)
    elif shown == "not_needed":
        tasks = tasks.filter(status=TaskStatus.NOT_NEEDED)
    tasks = tasks.select_related("program", "group__patient", "facility", "done_by").in_mcs_order()
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = _confirmable(request.user, page.object_list)
    log_access_many(request, [task.group.patient_id for task in page.object_list if task.group_id])  # titles name the patient
    return render(request, "groups/task_list.html", {
        "program": program, "page": page, "shown": shown, "form": TaskConfirmForm(),
    })


@require_POST
def task_confirm(request, task_pk):
    task = get_task_for_user(request.user, task_pk, confirm=True)
    form = TaskConfirmForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.task_confirm(task=task, by=request.user, note=note)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, f"「{task.title}」を対応済みにしました。")
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure())
    if safe:
        return redirect(target)
    return redirect("groups:task-list", slug=task.program.slug)


# --- The secretariat's pages -------------------------------------------------------------


def association_admin(request, slug):
    program = get_program_for_user(request.user, slug, secretariat=True)
    current = AssociationAdmin.objects.filter(program=program).select_related("staff__facility").first()
    form = AssociationAdminForm(request.POST or None, program=program,
                                initial={"staff": current.staff_id} if current else None)
    applicable = program.policy.association_admin_in_group
    if request.method == "POST" and applicable and form.is_valid():
        try:
            staff = form.cleaned_data["staff"]
            services.association_admin_designate(program=program, by=request.user, staff=staff)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "医師会管理者を指定しました。これから作る患者グループに自動で加わります。")
            return redirect("groups:association-admin", slug=program.slug)
    return render(request, "groups/association_admin.html", {
        "program": program, "policy": program.policy, "form": form, "current": current,
        "applicable": applicable,
    })


def _refused(request, refused):
    for person, reasons in refused:
        messages.warning(request, f"{person.full_name}さん（{person.facility.name}）はまだ招待できません: {' '.join(reasons)}")


def admin_notice_group(request, slug):
    """The 施設管理者連絡網: register it once, then compare its members with the ledger's administrators."""
    program = get_program_for_user(request.user, slug, secretariat=True)
    policy = program.policy
    group = admin_notice.admin_notice_group(program) if policy.admin_notice_group else None
    form = None
    if policy.admin_notice_group and group is None:
        form = AdminNoticeGroupForm(request.POST or None, program=program)
        if request.method == "POST" and form.is_valid():
            try:
                group, refused = admin_notice.admin_notice_group_register(
                    program=program, by=request.user, leader=form.cleaned_data["leader"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"「{group.name}」を登録しました。MCSでの作成と招待を、事務局の作業一覧に載せました。")
                _refused(request, refused)
                return redirect("groups:admin-notice-group", slug=program.slug)
    rows, strays = admin_notice.admin_notice_roster(program, group) if policy.admin_notice_group else ([], [])
    return render(request, "groups/admin_notice_group.html", {
        "program": program, "policy": policy, "group": group, "form": form, "rows": rows, "strays": strays,
        "missing": sum(1 for _person, seat in rows if seat is None),
        "open_tasks": group.tasks.open().count() if group else 0,
    })


@require_POST
def admin_notice_group_sync(request, slug):
    program = get_program_for_user(request.user, slug, secretariat=True)
    try:
        invited, removed, refused = admin_notice.admin_notice_group_sync(program=program, by=request.user)
    except ValidationError as error:
        show_errors(request, error)
    else:
        if invited or removed:
            messages.success(request, f"照合しました。招待{len(invited)}名、外す{len(removed)}名をMCSでの作業にしました。")
        else:
            messages.info(request, "照合しました。グループのメンバーは施設管理者の名簿と一致しています。")
        _refused(request, refused)
    return redirect("groups:admin-notice-group", slug=program.slug)


FACILITIES_PER_PAGE = 50


def dashboard(request, slug):
    program = get_program_for_user(request.user, slug, secretariat=True)
    return _dashboard(request, program, None, summary=_counted(program))


def _counted(program):
    """The program dashboard's stored totals (DashboardLine), counted now the first time; when
    older than DASHBOARD_MAX_AGE seconds or than today, a recount is enqueued (once per period,
    whoever asks) and the page shows the last count with its time."""
    summary = DashboardLine.objects.filter(program=program, facility=None).first()
    if summary is None:
        return queries.dashboard_refresh(program)
    max_age = settings.DASHBOARD_MAX_AGE
    stale = (timezone.now() - summary.refreshed_at).total_seconds() >= max_age
    stale = stale or timezone.localdate(summary.refreshed_at) != timezone.localdate()  # due dates move daily
    if stale and (not max_age or cache.add(f"dashboard-refresh:{program.pk}", 1, timeout=max_age)):
        tasks.refresh_dashboard.enqueue(program.pk)
        summary = DashboardLine.objects.filter(program=program, facility=None).first() or summary
    return summary


def _dashboard(request, program, facility, summary=None):
    board = queries.dashboard(program, today=timezone.localdate(), facility=facility, summary=summary)
    board["tasks"] = _confirmable(request.user, board["tasks"])
    board["page"] = Paginator(board.pop("lines"), FACILITIES_PER_PAGE).get_page(request.GET.get("page"))
    shown = [g.patient_id for name in ("to_archive", "no_consent", "overdue") for g in board[name]]
    shown += [r.group.patient_id for r in board["escalated"]] + [t.group.patient_id for t in board["tasks"] if t.group_id]
    log_access_many(request, shown)
    return render(request, "groups/dashboard.html", {
        "program": program, "policy": program.policy, "facility": facility, **board,
    })


def facility_dashboard(request, facility_pk):
    facility = get_facility_for_user(request.user, facility_pk)
    return _dashboard(request, facility.program, facility)
