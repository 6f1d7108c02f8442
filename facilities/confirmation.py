"""Yearly confirmation (継続確認): the secretariat asks every active facility to confirm its ledger.

Each facility's administrator (policy.admin_label) answers for every active line at once (still
there, still an administrator, e-mail still their own); a leaver's removal starts through the
ledger's own `staff_request_removal` (at once, or on the change notice where the policy wants it
first), a changed administrator through `facility_admin_grant` / `staff_update` +
`people.admin_role_end`. One transaction per answer; an answer is never changed or deleted.

Who is an administrator here is who people.py counts (ROL-ADMIN): a line whose login holds the
facility's active FACILITY_ADMIN role, or whose ledger says 管理者 (the mark 登録内容を直す sets).
Only they are asked whether they stay one; anyone else becomes one only by the explicit
「…にする」 tick, and only with their own address. After the answer every line that stays an
administrator holds both the mark and the role (a login without a password is invited, as on the
役割と招待 page), and nobody else holds either. Reminders go at most once a day per facility,
pressed by the secretariat or sent by the scheduled reminders command
(`send_due_confirmation_reminders`).
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone

from accounts.models import User
from core.services import PolicyBlocked
from core.services import save_with_history as _save

from . import emails, people
from .models import (
    ConfirmationAnswer,
    ConfirmationCampaign,
    ConfirmationReminder,
    Facility,
    FacilityConfirmation,
    Program,
    Role,
    RoleKind,
    Staff,
)
from .services import _facility_admin_emails, facility_admin_grant, staff_request_removal, staff_update

# A facility that has not answered hears again a week after the campaign began or after its
# last reminder: the portal's choice, the policies do not ask for a yearly confirmation at all.
REMINDER_INTERVAL_DAYS = 7

LEDGER_CHANGED = "回答中に台帳が変わりました（職員の追加や削除）。ページを開き直して、もう一度確認してください。"
CLOSE_OPEN_LABEL = "受付中の継続確認を締め切って、新しく始める"
# Why the role was granted, as the role's record (and the 役割と招待 page) shows it.
GRANT_REASON = "継続確認で管理者に指定"
KEEP_REASON = "継続確認で管理者を続けると回答（台帳の管理者にログインの役割を付けた）"


def no_admin_left(policy):
    label = policy.admin_label
    return (
        f"{label}が1人もいなくなります。続けて在籍する人のうち、少なくとも1人を{label}にしてください"
        f"（「{label}を続ける」か「{label}にする」にチェック）。"
    )


def shared_address(policy, choice):
    """Why a line answered with a shared address gets no administrator login; `choice` is the box ticked."""
    return (
        f"{policy.admin_label}のログインは本人だけが使うメールアドレスにしか作れません（共用のアドレスは「いいえ」と回答）。"
        f"「{choice}」のチェックを外すか、職員のページの「登録内容を直す」でアドレスを直してから回答してください。"
    )


def keep_label(policy):
    return f"{policy.admin_label}を続ける"


def make_label(policy):
    return f"{policy.admin_label}にする"


class AlreadyAnswered(ValidationError):
    """The facility's answer is already recorded (a second press of the button, say)."""

    def __init__(self):
        super().__init__("この継続確認はすでに回答済みです。")


@dataclass(frozen=True)
class StaffAnswer:
    """The answer for one active line. A leaver (still_employed=False) gives the removal's details."""

    still_employed: bool
    still_admin: bool | None = None
    email_personal: bool | None = None
    left_reason: str = ""
    left_on: datetime.date | None = None
    devices: str = ""


@transaction.atomic
def campaign_start(*, program, by, title, due_on, close_open=False):
    """Open a campaign: one confirmation per active facility, whose administrators are asked by
    e-mail. A campaign still open in the program is closed first (its unanswered ones stay so), but
    only when the secretariat says so (`close_open`): starting is never how one is closed by mistake.

    The same start sent twice (a double click, Back and send again) finds the open campaign of that
    name and returns it marked `repeated` (core.views.show_repeated): nobody is asked twice. A new
    campaign carries `recipients` (the addresses mailed) and `unreachable` (the facilities asked
    that have no active administrator login to mail: the secretariat phones or faxes them).
    """
    program = Program.objects.select_for_update().get(pk=program.pk)
    title = title.strip()
    if not title:
        raise ValidationError({"title": ["名称を入れてください。"]})
    current = ConfirmationCampaign.objects.select_for_update().filter(program=program).open().first()
    if current is not None and current.title == title:
        current.repeated = True
        return current
    if current is not None and not close_open:
        raise ValidationError({"close_open": [
            f"受付中の「{current.title}」があります。締め切って新しく始めるときは、"
            f"「{CLOSE_OPEN_LABEL}」にチェックを入れてください。"
        ]})
    if due_on < timezone.localdate():
        raise ValidationError({"due_on": ["回答期限には今日以降の日付を入れてください。"]})
    now = timezone.now()
    if current is not None:
        current.closed_at = now
        _save(current, by)
    campaign = _save(ConfirmationCampaign(program=program, title=title, due_on=due_on, started_by=by), by)
    campaign.recipients, campaign.unreachable = 0, []
    for facility in Facility.objects.filter(program=program).approved().order_by("number"):
        confirmation = _save(FacilityConfirmation(campaign=campaign, facility=facility), by)
        recipients = _facility_admin_emails(facility)
        emails.confirmation_requested(confirmation, recipients)
        campaign.recipients += len(set(recipients))
        if not recipients:
            campaign.unreachable.append(facility)
    return campaign


def admin_to_mail(facility_ref="facility"):
    """Whether the facility has an administrator the portal mails (as _facility_admin_emails), for
    annotating a queryset: those without one are phoned or faxed."""
    return Exists(Role.objects.active().filter(
        facility=OuterRef(facility_ref), kind=RoleKind.FACILITY_ADMIN, user__is_active=True
    ))


def lines_to_confirm(facility):
    """The lines a facility confirms: its active staff, in the ledger's order, each with
    `holds_admin_role` (their login holds the facility's active administrator role)."""
    role = Role.objects.active().filter(facility=facility, kind=RoleKind.FACILITY_ADMIN, user=OuterRef("user"))
    return (
        Staff.objects.filter(facility=facility).active()
        .annotate(holds_admin_role=Exists(role))
        .order_by("full_name_kana", "pk")
    )


def is_admin_now(person):
    """An administrator as people.py counts them, or as the ledger marks them (a line of lines_to_confirm)."""
    return person.is_admin or person.holds_admin_role


def _check_answers(staff, answers, policy):
    """Refuse what the answer as a whole may not do: leave no administrator, or give an
    administrator's login to a shared address or to a stopped account."""
    if staff and not any(answers[p.pk].still_employed and answers[p.pk].still_admin for p in staff):
        raise ValidationError(no_admin_left(policy))
    problems = []
    for person in staff:
        answer = answers[person.pk]
        if not (answer.still_employed and answer.still_admin) or person.holds_admin_role:
            continue  # no role to grant
        choice = keep_label(policy) if is_admin_now(person) else make_label(policy)
        if not answer.email_personal:
            problems.append(f"{person.full_name}さん: {shared_address(policy, choice)}")
        login = person.user or User.objects.filter(email__iexact=person.email).first()
        if login is not None and not login.is_active:
            problems.append(
                f"{person.full_name}さん: このメールアドレスのアカウントは停止されています。"
                f"「{choice}」のチェックを外すか、事務局に確認してください。"
            )
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def confirmation_submit(*, confirmation, by, answers):
    """Record the facility's answer for every active line (`answers`: {staff pk: StaffAnswer}) and
    act on it: leavers' removals start, administrator flags follow. All or nothing.

    Raises AlreadyAnswered when the answer is already recorded, so a double submit changes nothing.
    """
    confirmation = (
        FacilityConfirmation.objects.select_for_update()
        .select_related("campaign", "facility__program")
        .get(pk=confirmation.pk)
    )
    if confirmation.submitted_at is not None:
        raise AlreadyAnswered
    if confirmation.campaign.closed_at is not None:
        raise ValidationError("この継続確認は締め切られました（新しい継続確認が始まっています）。")
    staff = list(lines_to_confirm(confirmation.facility).select_for_update())
    if {person.pk for person in staff} != set(answers):
        raise ValidationError(LEDGER_CHANGED)
    _check_answers(staff, answers, confirmation.facility.program.policy)

    for person in staff:
        answer = answers[person.pk]
        record = ConfirmationAnswer(
            confirmation=confirmation, staff=person, email=person.email, was_admin=is_admin_now(person),
            still_employed=answer.still_employed,
        )
        if answer.still_employed:
            record.still_admin, record.email_personal = bool(answer.still_admin), bool(answer.email_personal)
        else:
            record.left_reason, record.left_on = answer.left_reason, answer.left_on
        _save(record, by)
        try:
            _act(person, answer, by)
        except PolicyBlocked as exc:
            raise PolicyBlocked(exc.violations, prefix=f"{person.full_name}さん: ") from exc
        except ValidationError as exc:
            raise ValidationError([f"{person.full_name}さん: {m}" for m in exc.messages]) from exc
    # The administrator rules as the answer leaves them (one at least; exactly one where the policy says).
    people.admins_check(confirmation.facility)

    confirmation.submitted_at, confirmation.submitted_by = timezone.now(), by
    _save(confirmation, by)
    return confirmation


def _act(person, answer, by):
    """What one line's answer changes in the ledger and the roles."""
    if not answer.still_employed:
        staff_request_removal(
            staff=person, by=by, reason=answer.left_reason, effective_date=answer.left_on,
            devices_returned=answer.devices,
        )
    elif answer.still_admin:
        if not (person.is_admin and person.holds_admin_role):  # the mark and the role, both
            reason = KEEP_REASON if is_admin_now(person) else GRANT_REASON
            facility_admin_grant(staff=person, by=by, reason=reason, invite=True)
    elif is_admin_now(person):
        if person.is_admin:
            staff_update(staff=person, by=by, is_admin=False)
        people.admin_role_end(staff=person, by=by, reason="継続確認で管理者から外れた")


# --- Reminders ---------------------------------------------------------------------------


def _remind(confirmations, by, today):
    """Send one reminder to each confirmation not yet reminded today; the number sent."""
    sent = 0
    reminded_today = ConfirmationReminder.objects.filter(sent_on=today).values("confirmation_id")
    for confirmation in confirmations.exclude(pk__in=reminded_today).select_related("campaign", "facility"):
        recipients = _facility_admin_emails(confirmation.facility)
        reminder = ConfirmationReminder(
            confirmation=confirmation, sent_on=today, sent_by=by, recipients=len(recipients)
        )
        try:
            with transaction.atomic():  # a savepoint: a reminder sent a moment ago by someone else
                _save(reminder, by, validate_constraints=False)
        except IntegrityError:
            continue
        emails.confirmation_reminder(confirmation, recipients)
        sent += 1
    return sent


@transaction.atomic
def campaign_remind(*, campaign, by, today=None):
    """The campaign page's 催促 button: every facility that has not answered, once a day."""
    if campaign.closed_at is not None:
        raise ValidationError("締め切られた継続確認の催促は送れません。")
    return _remind(campaign.confirmations.unanswered(), by, today or timezone.localdate())


def confirmation_reminders_due(today):
    """Unanswered confirmations of open campaigns that should hear again today: their campaign
    began, and their last reminder was sent, at least REMINDER_INTERVAL_DAYS ago."""
    cutoff = today - datetime.timedelta(days=REMINDER_INTERVAL_DAYS)
    return (
        FacilityConfirmation.objects.awaiting()
        .filter(campaign__started_at__date__lte=cutoff)
        .annotate(last_reminded=Max("reminders__sent_on"))
        .filter(Q(last_reminded__isnull=True) | Q(last_reminded__lte=cutoff))
    )


@transaction.atomic
def send_due_confirmation_reminders(*, today):
    """For the scheduled reminders command: send every reminder due today; the number sent."""
    due = FacilityConfirmation.objects.filter(pk__in=confirmation_reminders_due(today).values("pk"))
    return _remind(due, None, today)
