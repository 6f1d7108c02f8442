"""Reads for the staff ledger: filtering and sorting, and what a pending person still lacks.

Writes live in services.py; this module only asks the database and the policy engine.
"""

from typing import NamedTuple

from django.db.models import F, Q, Value
from django.db.models.functions import Lower, Replace
from django.utils import timezone

from policy.rules import check

from .models import FacilityStatus, PledgeKind, PledgeText, PledgeTextKind, Role, Staff, StaffStatus

# Short names for what blocks an activation, for the ledger's narrow column; the full
# message with its article is on the person's page.
MISSING_LABELS = {
    "STF-FACILITY": "施設の利用申込",
    "STF-PLEDGE": "誓約書",
    "STF-TRAINING": "利用開始前の研修",
    "STF-EMAIL-DUP": "メールアドレスの重複",
}

def notice_comes_first(program):
    """Whether the program's policy wants the change notice filed before a removal (not after)."""
    return any(v.severity == "block" for v in check(program.variant, "remove_staff", {"notice_filed": False}))


def same_name_staff(*, facility, full_name, full_name_kana):
    """Current lines of the facility with this 氏名 and カナ, spaces aside (「訪問太郎」 is 「訪問 太郎」)."""
    def squeezed(name):
        return Replace(name, Value(" "), Value(""))

    return (
        Staff.objects.current().filter(facility=facility)
        .annotate(name_key=squeezed("full_name"), kana_key=squeezed("full_name_kana"))
        .filter(name_key=full_name.replace(" ", ""), kana_key=full_name_kana.replace(" ", ""))
        .order_by("pk")
    )


def login_email_elsewhere(*, program, facility, email, staff=None):
    """Whether `email` is the portal login of someone who works elsewhere in the program (the
    secretariat, or a role at another facility): that address is that person's, so it cannot be
    another person's MCS ID (one address per person, MATRIX.md STF-EMAIL-DUP). A login with a role
    at this facility may be the person being registered, so it is not counted; nor is the login
    already linked to this line."""
    roles = Role.objects.filter(program=program, is_active=True, user__is_active=True).annotate(
        login=Lower("user__email")
    ).filter(login=email.strip().lower())
    if facility is not None and facility.pk:
        roles = roles.exclude(facility=facility)
    if staff is not None and staff.user_id:
        roles = roles.exclude(user_id=staff.user_id)
    return roles.exists()


STATUS_FILTERS = {
    "current": ("登録準備中と利用中", lambda qs: qs.current()),
    "pending": ("登録準備中", lambda qs: qs.filter(status=StaffStatus.PENDING)),
    "active": ("利用中", lambda qs: qs.filter(status=StaffStatus.ACTIVE)),
    "removed": ("削除済", lambda qs: qs.filter(status=StaffStatus.REMOVED)),
    "all": ("すべて", lambda qs: qs),
}
PLEDGE_FILTERS = {
    "signed": ("署名済み", lambda qs: qs.filter(pledge_kind=PledgeKind.SIGNED)),
    "exempt": ("省略", lambda qs: qs.filter(pledge_kind=PledgeKind.EXEMPT)),
    "none": ("未提出", lambda qs: qs.filter(pledge_kind__isnull=True)),
}
SORTS = {
    "kana": ("カナ", "full_name_kana"),
    "job": ("職種", "job"),
    "status": ("状態", "status"),
    "pledge": ("誓約書の日付", "pledge_on"),
    "training": ("最終の研修・教育", "last_training_on"),
    "started": ("利用開始日", "started_on"),
    "ended": ("利用終了日", "ended_on"),
}


def ledger_staff(user, facility, *, q="", status="current", pledge="", education=False, sort="kana"):
    """The facility's ledger rows as `user` may see them, filtered and sorted (values already validated)."""
    staff = Staff.objects.visible_to(user).filter(facility=facility).with_ledger()
    staff = STATUS_FILTERS.get(status, STATUS_FILTERS["current"])[1](staff)
    if pledge in PLEDGE_FILTERS:
        staff = PLEDGE_FILTERS[pledge][1](staff)
    if education:
        staff = staff.education_overdue(
            today=timezone.localdate(), interval_days=facility.program.education_interval_days
        )
    if q:
        staff = staff.filter(
            Q(full_name__icontains=q) | Q(full_name_kana__icontains=q) | Q(email__icontains=q)
        )
    descending = sort.startswith("-")
    field = SORTS.get(sort.lstrip("-"), SORTS["kana"])[1]
    order = F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
    return staff.order_by(order, "full_name_kana", "pk")


def program_emails(program):
    """(pk, email) of every current staff member of the program: one query for a whole page."""
    return list(Staff.objects.current().filter(program=program).values_list("pk", "email"))


def activation_facts(staff, *, facility, emails):
    """Facts for `activate_staff`.

    `staff` comes from Staff.objects.with_ledger(); `emails` from program_emails().
    """
    return {
        "facility_approved": facility.status == FacilityStatus.ACTIVE,
        "pledge": staff.pledge_kind or "none",
        "training_done": bool(staff.training_done),
        "email": staff.email,
        "emails_in_use": [email for pk, email in emails if pk != staff.pk],
    }


def activation_blocks(staff, *, facility, emails=None):
    """What keeps a pending person from starting, as the engine's block violations (empty: nothing)."""
    if emails is None:
        emails = program_emails(facility.program)
    facts = activation_facts(staff, facility=facility, emails=emails)
    return [v for v in check(facility.program.variant, "activate_staff", facts) if v.severity == "block"]


class Missing(NamedTuple):
    """Something a pending person lacks: a short label, the policy's article, the engine's message."""

    label: str
    article: str
    message: str


def missing(violations):
    return [Missing(MISSING_LABELS.get(v.rule, v.rule), v.article, v.message) for v in violations]


def mark_missing(rows, facility):
    """Attach `missing` to each pending row, for the ledger's 何が足りないか column."""
    pending = {row.pk for row in rows if row.status == StaffStatus.PENDING}
    emails = program_emails(facility.program) if pending else []
    for row in rows:
        blocks = activation_blocks(row, facility=facility, emails=emails) if row.pk in pending else []
        row.missing = missing(blocks)
    return rows


def staff_with_ledger(staff):
    """The same person re-read with the ledger's columns (pledge, training, planned removal)."""
    return Staff.objects.with_ledger().select_related("program", "facility").get(pk=staff.pk)


def pledge_text_for_print(program, kind=PledgeTextKind.STAFF):
    """The wording to print: the latest published version (always, when the secretariat published
    it), or, when the policy's wording changed since the portal published it, the version the next
    recorded pledge will publish (unsaved: printing writes nothing)."""
    form = program.policy.form(kind)
    clauses = getattr(program.policy, f"{kind}_text")
    if form is None or clauses is None:
        return None
    latest = PledgeText.objects.latest_for(program, kind)
    # The secretariat's own wording stays in force whatever the profile says.
    if latest is not None and (latest.published_by_id or latest.matches(form, clauses)):
        return latest
    return PledgeText(
        program=program, kind=kind, version=(latest.version + 1) if latest else 1,
        form_number=form.number, title=form.title, clauses=list(clauses),
    )
