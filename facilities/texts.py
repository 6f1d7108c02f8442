"""Pledge texts the secretariat owns: the versions, a new version drafted from the one in force,
and re-pledging (who signed an older version, asked to sign again until they do).

Version 1 is the policy profile's wording (the policy's own where it gives the form in full,
else the portal's model text for the secretariat to replace); every later version is the
secretariat's, with who published it. The policy's wording is stored when it is first signed, or
at the latest when the secretariat publishes its own, which is then version 2: a number shown (and
printed) for one text never names another. Nothing here is ever edited or deleted.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef

from core.services import save_with_history

from . import emails
from .ledger import pledge_text_for_print
from .models import (
    Pledge,
    PledgeKind,
    PledgeText,
    PledgeTextKind,
    RepledgeRequest,
    Role,
    RoleKind,
    Staff,
    StaffStatus,
)

MAX_CLAUSES = 30


def pledge_kinds(program):
    """The pledge kinds this program's policy has a form and wording for."""
    policy = program.policy
    return [kind for kind in PledgeTextKind
            if policy.form(kind) is not None and getattr(policy, f"{kind}_text") is not None]


def facility_pledge_clauses(program):
    """The facility pledge's clauses in force (what an application agrees to)."""
    text = pledge_text_for_print(program, PledgeTextKind.FACILITY)
    return list(text.clauses) if text else []


def is_model_text(program, text):
    """Whether this wording is still the portal's model text, waiting for the secretariat's own."""
    return not text.published_by_id and text.kind not in program.policy.own_texts


def pledge_text_preview(*, program, kind, clauses):
    """The next version as it would print (unsaved), for the preview PDF."""
    current = pledge_text_for_print(program, kind)
    form = program.policy.form(kind)
    return PledgeText(
        program=program, kind=kind, version=current.version + 1,
        form_number=form.number, title=form.title, clauses=list(clauses),
    )


@transaction.atomic
def pledge_text_new_version(*, program, kind, by, clauses):
    """Publish the secretariat's wording as the next version; older versions stay as signed."""
    if kind not in pledge_kinds(program):
        raise ValidationError("このネットワークの運用ポリシーにはこの誓約書がありません。")
    clauses = [c for c in (c.strip() for c in clauses) if c]
    if not clauses:
        raise ValidationError({"clauses": ["条文を1つ以上入力してください。"]})
    if len(clauses) > MAX_CLAUSES:
        raise ValidationError({"clauses": [f"条文は{MAX_CLAUSES}項目までにしてください。"]})
    # Serialise publishers of this program's texts, so two cannot take the same number.
    type(program).objects.select_for_update().filter(pk=program.pk).first()
    current = pledge_text_for_print(program, kind)
    if list(current.clauses) == clauses:
        raise ValidationError({"clauses": ["現在の版と同じ文面です。変更してから公開してください。"]})
    form = program.policy.form(kind)
    try:
        with transaction.atomic():
            if current.pk is None:
                # The policy's wording was shown and printed as 第N版 without being stored: store it
                # as that version, so that the secretariat's wording is the next one, never a
                # second text under the same number.
                save_with_history(current, None)
            last = PledgeText.objects.filter(program=program, kind=kind).aggregate(v=Max("version"))["v"] or 0
            text = PledgeText(
                program=program, kind=kind, version=last + 1, form_number=form.number, title=form.title,
                clauses=clauses, published_by=by,
            )
            return save_with_history(text, by)
    except IntegrityError as error:
        raise ValidationError("同時に別の版が公開されました。一覧を確かめてからやり直してください。") from error


def staff_on_older_versions(program, *, facility=None):
    """Current staff whose latest signed pledge is on an older version than the one in force, with
    `open_request` (their open re-pledge request, or None)."""
    current = PledgeText.objects.latest_for(program, PledgeTextKind.STAFF)
    if current is None:
        return []
    latest_signed = Pledge.objects.filter(staff=OuterRef("pk"), kind=PledgeKind.SIGNED).order_by("-recorded_at")
    on_current = Pledge.objects.filter(staff=OuterRef("pk"), kind=PledgeKind.SIGNED, text__version__gte=current.version)
    staff = (
        Staff.objects.filter(program=program).exclude(status=StaffStatus.REMOVED)
        .filter(Exists(latest_signed)).exclude(Exists(on_current))
        .select_related("facility").order_by("facility__name_kana", "full_name_kana", "pk")
    )
    if facility is not None:
        staff = staff.filter(facility=facility)
    staff = list(staff)
    signed = {}
    for pledge in (Pledge.objects.filter(staff__in=staff, kind=PledgeKind.SIGNED)
                   .select_related("text").order_by("recorded_at")):
        signed[pledge.staff_id] = pledge.text
    requests = {r.staff_id: r for r in RepledgeRequest.objects.filter(staff__in=staff, closed_at__isnull=True)}
    for person in staff:
        person.signed_text = signed.get(person.pk)
        person.open_request = requests.get(person.pk)
    return staff


@transaction.atomic
def repledge_request(*, program, by, staff):
    """Ask each of `staff` (current, signed an older version) to sign the version in force: one
    request each (none twice), and one e-mail per facility to its MCS administrators."""
    current = PledgeText.objects.latest_for(program, PledgeTextKind.STAFF)
    if current is None:
        raise ValidationError("公開された誓約書の版がありません。")
    eligible = {s.pk: s for s in staff_on_older_versions(program)}
    chosen = [eligible.get(s.pk) for s in staff]
    if not staff or None in chosen:
        raise ValidationError({"staff": ["古い版に署名した、現在の職員を選んでください。"]})
    made = []
    for person in chosen:
        if person.open_request is None:
            made.append(save_with_history(RepledgeRequest(staff=person, text=current, requested_by=by), by))
    by_facility = {}
    for request in made:
        by_facility.setdefault(request.staff.facility, []).append(request)
    for facility, requests in by_facility.items():
        roles = Role.objects.active().filter(facility=facility, kind=RoleKind.FACILITY_ADMIN, user__is_active=True)
        emails.repledge_requested(facility, current, requests, list(roles.values_list("user__email", flat=True)))
    return made


def repledge_close(pledge):
    """Close the staff member's open request once a pledge on its version (or later) is recorded."""
    if pledge.kind != PledgeKind.SIGNED:
        return
    for request in RepledgeRequest.objects.select_for_update().filter(
        staff=pledge.staff, closed_at__isnull=True, text__version__lte=pledge.text.version,
    ):
        request.pledge, request.closed_at = pledge, pledge.recorded_at
        save_with_history(request, pledge.recorded_by)
