"""Suspension (利用停止) and withdrawal (退会) of a facility, and suspension of one person.

Keyword-only services, one transaction each. What they mean for patient groups (listing and
restricting memberships, スタッフ解除 tasks) is done by groups through facilities/hooks.py;
handing a withdrawing facility's patients over is done by groups/withdrawal.py, which then calls
`facility_withdraw` here. Nothing is deleted: suspensions are lifted, facilities withdrawn.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.services import move_status, save_with_history

from . import hooks
from . import people as people_roles
from .access import is_secretariat
from .life_models import Suspension, Withdrawal
from .models import (
    ChangeNotice,
    DeviceReturn,
    Facility,
    FacilityStatus,
    NoticeStatus,
    RemovalReason,
    RoleKind,
    Staff,
    StaffRemoval,
    StaffStatus,
    role_facility_ids,
)
from .services import notice_file, staff_request_removal

# The facility's own moves after approval; 退会 is final (coming back is a new application).
FACILITY_TRANSITIONS = {
    FacilityStatus.ACTIVE: {FacilityStatus.SUSPENDED, FacilityStatus.WITHDRAWN},
    FacilityStatus.SUSPENDED: {FacilityStatus.ACTIVE, FacilityStatus.WITHDRAWN},
    FacilityStatus.WITHDRAWN: set(),
}
ALREADY_SUSPENDED = "すでに利用停止中です。先の停止を解除してから記録してください。"


# --- Who may ---------------------------------------------------------------------------


def may_suspend_staff(user, facility):
    """The secretariat, or the facility's MCS管理者 where the policy gives them the power."""
    if is_secretariat(user, facility.program):
        return True
    article = facility.program.policy.admin_restricts_staff_article
    return bool(article) and facility.pk in role_facility_ids(user, RoleKind.FACILITY_ADMIN)


def may_decide(user, *, facility, staff):
    """Whether the user may start or lift a suspension of `staff` (None: the whole facility)."""
    if staff is None:
        return is_secretariat(user, facility.program)
    return may_suspend_staff(user, facility)


def default_article(user, facility):
    """The article the suspension form is filled with: only one the policy gives for cautioning or
    restricting users (its guidance article; the administrator's power). Where the policy has no
    such clause the form starts empty: the
    secretariat names its ground itself rather than be handed the article on approving use."""
    policy = facility.program.policy
    if is_secretariat(user, facility.program):
        return policy.guidance_article
    return policy.admin_restricts_staff_article


# --- Suspension ------------------------------------------------------------------------


def lock_people_then_facility(facility, *, staff=None):
    """Lock the facility's people (or one of them), then the facility, in the order an invitation
    takes them (groups.services locks the person; its care-team row then points at the facility),
    so the two wait for each other and never deadlock, and an invitation either sees a suspension
    or is listed by it. The facility's lock is FOR NO KEY UPDATE: rows pointing at it need not wait."""
    people = Staff.objects.select_for_update().filter(facility_id=facility.pk)
    list((people.filter(pk=staff.pk) if staff is not None else people).values_list("pk", flat=True))
    Facility.objects.select_for_update(no_key=True).filter(pk=facility.pk).values_list("pk", flat=True).first()


def _checked_dates(facility, starts_on, ends_on):
    today = timezone.localdate()
    errors = {}
    if starts_on > today:
        errors["starts_on"] = "開始日に未来の日付は入れられません。停止を始める日に記録してください。"
    elif facility.approved_on and starts_on < facility.approved_on:
        errors["starts_on"] = "開始日が施設の承認日より前になっています。"
    if ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = "終了予定日は開始日より後の日付にしてください。"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def suspension_start(*, facility, by, reason, article, starts_on, ends_on=None, staff=None):
    """Suspend a facility (staff=None) or one person on its ledger.

    While suspended, nobody concerned is invited to a group or given a role (the engine's
    MBR-SUSPENDED and ROLE-SUSPENDED); every membership they hold is listed with an MCS task to
    restrict it (hooks.suspension_started). A facility's status becomes 利用停止.
    """
    lock_people_then_facility(facility, staff=staff)
    facility = Facility.objects.select_related("program").get(pk=facility.pk)
    if not may_decide(by, facility=facility, staff=staff):
        raise ValidationError(
            "施設全体の利用停止は事務局だけが記録できます。" if staff is None else "この利用者の利用停止を記録する権限がありません。"
        )
    if staff is not None:
        staff = Staff.objects.get(pk=staff.pk)
        if staff.facility_id != facility.pk or staff.status == StaffStatus.REMOVED:
            raise ValidationError({"staff": "この施設の台帳にいる（削除済でない）職員を選んでください。"})
        if staff.user_id is not None and staff.user_id == by.pk:
            raise ValidationError({"staff": "ご自身の利用停止は記録できません。事務局または施設のほかの管理者に依頼してください。"})
    if facility.status == FacilityStatus.WITHDRAWN:
        raise ValidationError("退会した施設は利用停止にできません。")
    reason, article = reason.strip(), article.strip()
    if not reason:
        raise ValidationError({"reason": "利用停止の理由を入力してください。"})
    if not article:
        raise ValidationError({"article": "根拠となる運用ポリシーの条項を入力してください。"})
    _checked_dates(facility, starts_on, ends_on)
    suspension = Suspension(
        program=facility.program, facility=facility, staff=staff, reason=reason, article=article,
        starts_on=starts_on, ends_on=ends_on, created_by=by,
        by_facility_admin=not is_secretariat(by, facility.program),
    )
    try:
        with transaction.atomic():
            save_with_history(suspension, by, validate_constraints=False)
    except IntegrityError as exc:
        raise ValidationError(ALREADY_SUSPENDED) from exc
    if staff is None:
        move_status(facility, FacilityStatus.SUSPENDED, FACILITY_TRANSITIONS, "施設")
        save_with_history(facility, by)
        hooks.admin_changed.call(staff=None, facility=facility, by=by, became_admin=False)
    suspension.memberships_listed = sum(hooks.suspension_started.call(suspension=suspension, by=by))
    return save_with_history(suspension, by, validate_constraints=False)


@transaction.atomic
def suspension_lift(*, suspension, by, lifted_on, note):
    """Record that a suspension ends: who, when, why; the facility is 利用中 again, and the
    restriction tasks still open are no longer needed."""
    suspension = Suspension.objects.select_for_update().select_related("facility__program").get(pk=suspension.pk)
    facility = suspension.facility
    if not may_decide(by, facility=facility, staff=suspension.staff):
        raise ValidationError("この利用停止を解除する権限がありません。")
    if suspension.is_lifted:
        raise ValidationError("この利用停止はすでに解除されています。")
    note = note.strip()
    errors = {}
    if not note:
        errors["note"] = "解除の理由を入力してください。"
    if lifted_on > timezone.localdate():
        errors["lifted_on"] = "解除日に未来の日付は入れられません。"
    elif lifted_on < suspension.starts_on:
        errors["lifted_on"] = "解除日が停止の開始日より前になっています。"
    if errors:
        raise ValidationError(errors)
    suspension.lifted_on, suspension.lifted_at, suspension.lifted_by = lifted_on, timezone.now(), by
    suspension.lift_note = note
    save_with_history(suspension, by, validate_constraints=False)
    if suspension.staff_id is None and facility.status == FacilityStatus.SUSPENDED:
        facility = Facility.objects.select_for_update(no_key=True).get(pk=facility.pk)
        move_status(facility, FacilityStatus.ACTIVE, FACILITY_TRANSITIONS, "施設")
        save_with_history(facility, by)
        hooks.admin_changed.call(staff=None, facility=facility, by=by, became_admin=True)
    hooks.suspension_lifted.call(suspension=suspension, by=by)
    return suspension


# --- Withdrawal --------------------------------------------------------------------------


def _remove_every_staff(facility, *, by, withdrawn_on, devices):
    """Every current line of the ledger goes through the ordinary removal (groups ended, MCS tasks,
    change notice where the policy wants one; filed here when it must come first). Returns them."""
    people = list(Staff.objects.current().filter(facility=facility).order_by("pk"))
    for person in people:
        if StaffRemoval.objects.filter(staff=person, removed_at__isnull=True).exists():
            continue  # already waiting on the draft notice: filing it below completes it
        staff_request_removal(
            staff=person, by=by, reason=RemovalReason.FACILITY_WITHDRAWN, effective_date=withdrawn_on,
            devices_returned=devices,
        )
    draft = ChangeNotice.objects.filter(facility=facility, status=NoticeStatus.DRAFT).first()
    if draft is not None and StaffRemoval.objects.filter(staff__facility=facility, removed_at__isnull=True).exists():
        # The secretariat's own procedure: received as it is recorded, not "filed by the facility".
        notice_file(notice=draft, by=by, received_by_secretariat=True)
    left = Staff.objects.current().filter(facility=facility).count()
    if left:
        raise ValidationError(f"{left}人の職員を削除できませんでした。職員の削除の状態を確認してください。")
    return people


@transaction.atomic
def facility_withdraw(*, facility, by, withdrawn_on, reason, devices=DeviceReturn.NONE_LENT, patients=()):
    """退会, in one transaction: every staff member removed through the ordinary cascade, every
    role at the facility ended, スタッフ解除 tasks opened (hooks.facility_withdrawn), the status
    退会 (so the public list drops it) and the record with the 退会日.

    `patients` is what the caller (groups.withdrawal) did with the facility's patients, kept on
    the record. The secretariat only.
    """
    lock_people_then_facility(facility)
    facility = Facility.objects.select_related("program").get(pk=facility.pk)
    if not is_secretariat(by, facility.program):
        raise ValidationError("退会の手続きは事務局だけが行えます。")
    if facility.status == FacilityStatus.WITHDRAWN:
        raise ValidationError("この施設はすでに退会しています。")
    reason = reason.strip()
    errors = {}
    if not reason:
        errors["reason"] = "退会の理由を入力してください。"
    if withdrawn_on > timezone.localdate():
        errors["withdrawn_on"] = "退会日に未来の日付は入れられません。退会する日に手続きしてください。"
    elif facility.approved_on and withdrawn_on < facility.approved_on:
        errors["withdrawn_on"] = "退会日が施設の承認日より前になっています。"
    if errors:
        raise ValidationError(errors)
    people = _remove_every_staff(facility, by=by, withdrawn_on=withdrawn_on, devices=devices)
    removals = StaffRemoval.objects.filter(staff__in=people)
    warnings = [w for removal in removals for w in removal.warnings]
    people_roles.roles_end_at_withdrawal(facility=facility, by=by, reason=f"施設の退会（{reason}）")
    for suspension in Suspension.objects.not_lifted().filter(facility=facility):
        lifted_on = max(withdrawn_on, suspension.starts_on)
        suspension.lifted_on, suspension.lifted_at, suspension.lifted_by = lifted_on, timezone.now(), by
        suspension.lift_note = "施設の退会により終了"
        save_with_history(suspension, by, validate_constraints=False)
    move_status(facility, FacilityStatus.WITHDRAWN, FACILITY_TRANSITIONS, "施設")
    save_with_history(facility, by)
    hooks.admin_changed.call(staff=None, facility=facility, by=by, became_admin=False)
    tasks = sum(hooks.facility_withdrawn.call(facility=facility, staff=people, by=by))
    withdrawal = Withdrawal(
        program=facility.program, facility=facility, withdrawn_on=withdrawn_on, reason=reason,
        devices=DeviceReturn(devices), staff_removed=len(people), memberships_ended=sum(r.memberships_ended for r in removals),
        release_tasks=tasks, patients=list(patients), warnings=warnings, recorded_by=by,
    )
    return save_with_history(withdrawal, by)
