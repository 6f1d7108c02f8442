"""The facilities app's part of the access table (tests/walk.py): programs, the staff ledger, notices."""

import datetime

from core.models import PreparedFile
from facilities import people, services
from facilities.models import (
    ConfirmationCampaign,
    FacilityConfirmation,
    Invitation,
    NoticeLine,
    NoticeStatus,
    RoleKind,
)
from tests.facilities.factories import ChangeNoticeFactory, NoticeLineFactory
from tests.factories import RoleFactory, StaffFactory, UserFactory, secretariat_of
from tests.walk import EVERYONE, FACILITY, GET, MANAGERS, POST, SECRETARIAT, Access, Kwarg


def _ledger_file(facility):
    """A waiting ledger PDF of `facility` (core.jobs.prepare_file's row)."""
    return lambda s: s.once(("ledger_file", facility(s).pk), lambda: PreparedFile.objects.create(
        key=f"ledger:{facility(s).pk}", filename="ledger.pdf", requested_by=UserFactory()).pk)


def _notice(s, facility, staff=None):
    """The facility's draft change notice, with one line on it (one per facility)."""
    def make():
        notice = ChangeNoticeFactory(facility=facility)
        NoticeLineFactory(notice=notice, **({"staff": staff} if staff else {}))
        return notice
    return s.once(("notice", facility.pk), make)


def _own_notice(s):
    return _notice(s, s.world.facility_a, s.world.staff_a)


def _filed(s):
    """The secretariat answers a notice once the facility has filed it."""
    notice = _own_notice(s)
    notice.refresh_from_db()
    if notice.status == NoticeStatus.DRAFT:
        services.notice_file(notice=notice, by=s.world.admin_a)


def _own_line(s):
    return s.once("own_line", lambda: _own_notice(s).lines.get().pk)


def _line_back(s):
    """Each allowed person takes the line off in turn: put it back (same id) for the next one."""
    pk = _own_line(s)
    if not NoticeLine.objects.filter(pk=pk).exists():
        NoticeLineFactory(pk=pk, notice=_own_notice(s), staff=s.world.staff_a)


def _comment(s):
    return {"comment": "職種を確認してください"}


def _campaign(s, program):
    """A yearly confirmation campaign of the program, open, due in a month (one per program)."""
    return s.once(("campaign", program.pk), lambda: ConfirmationCampaign.objects.create(
        program=program, title="令和8年度 継続確認", due_on=datetime.date.today() + datetime.timedelta(days=30),
    ))


def _confirmation(s, facility):
    """The facility's confirmation in its program's campaign, unanswered."""
    return s.once(("confirmation", facility.pk), lambda: FacilityConfirmation.objects.create(
        campaign=_campaign(s, facility.program), facility=facility,
    ))


def _post(allowed, **kwargs):
    return Access(POST, allowed, status=302, data=_comment, **kwargs)


def _role(s, facility):
    """A coordinator's role at `facility`, for the revoke page."""
    return s.once(("role", facility.pk), lambda: RoleFactory(kind=RoleKind.COORDINATOR, facility=facility))


def _invitation(s, facility):
    """An invitation to a new coordinator at `facility` (granted by its program's secretariat)."""
    def make():
        staff = StaffFactory(facility=facility)
        role = people.facility_role_grant(
            facility=facility, by=secretariat_of(facility.program), kind=RoleKind.COORDINATOR, staff=staff,
            reason="連携リーダーを担当",
        )
        return Invitation.objects.get(role=role)
    return s.once(("invitation", facility.pk), make)


def _token(s, facility):
    """The token of an open invitation (the e-mail's link): a new one each time it is made."""
    invitation = _invitation(s, facility)
    return s.once(("token", facility.pk), lambda: _fresh_token(invitation))


def _fresh_token(invitation):
    token = f"walk-invitation-{invitation.pk}"
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=people._digest(token))
    return token


ACCESS = {
    "facilities:people": Access(GET, SECRETARIAT),
    "facilities:people-csv": Access(GET, SECRETARIAT),
    "facilities:people-grant": Access(GET, SECRETARIAT),
    "facilities:account-two-factor-reset": Access(GET, SECRETARIAT),
    "facilities:account-deactivate": Access(GET, SECRETARIAT),
    "facilities:account-reactivate": Access(GET, SECRETARIAT),
    "facilities:facility-people": Access(GET, MANAGERS),
    "facilities:role-revoke": Access(GET, MANAGERS),
    "facilities:invitation-resend": Access(POST, MANAGERS, status=302),
    "facilities:invitation-cancel": Access(POST, MANAGERS, status=302, data=lambda s: {"reason": "別の人に交代"}),
    "facilities:invitation-accept": Access(GET, EVERYONE, public="the invited person's link (random token from the e-mail)"),
    "facilities:program-detail": Access(GET, FACILITY),
    "facilities:program-settings": Access(GET, SECRETARIAT),
    "facilities:facility-list": Access(GET, SECRETARIAT),
    "facilities:program-staff-csv": Access(GET, SECRETARIAT),
    "facilities:notice-inbox": Access(GET, SECRETARIAT),
    "facilities:facility-detail": Access(GET, FACILITY),
    "facilities:ledger-csv": Access(GET, FACILITY),
    "facilities:ledger-pdf": Access(GET, FACILITY),
    "facilities:ledger-ready": Access(GET, FACILITY),  # a big ledger's "ready" page
    "facilities:staff-add": Access(GET, MANAGERS),
    "facilities:training-list": Access(GET, FACILITY),
    "facilities:training-add": Access(GET, MANAGERS),
    "facilities:facility-notices": Access(GET, FACILITY),
    "facilities:staff-detail": Access(GET, FACILITY),
    "facilities:staff-edit": Access(GET, MANAGERS),
    "facilities:staff-activate": _post(MANAGERS),
    "facilities:staff-remove": Access(GET, MANAGERS),
    "facilities:staff-pledge": Access(GET, MANAGERS),
    "facilities:staff-pledge-pdf": Access(GET, FACILITY),
    "facilities:notice-detail": Access(GET, FACILITY),
    "facilities:notice-pdf": Access(GET, FACILITY),
    "facilities:notice-file": _post(MANAGERS),
    "facilities:notice-acknowledge": _post(SECRETARIAT, ready=_filed),
    "facilities:pledge-text-list": Access(GET, SECRETARIAT),
    "facilities:pledge-text-new": Access(GET, SECRETARIAT),
    "facilities:pledge-text-pdf": Access(GET, SECRETARIAT),
    "facilities:repledge-program": Access(GET, SECRETARIAT),
    "facilities:repledge-facility": Access(GET, MANAGERS),
    "facilities:notice-request-correction": _post(SECRETARIAT, ready=_filed),
    "facilities:facility-details-edit": Access(GET, MANAGERS),
    "facilities:facility-changes": Access(GET, FACILITY),
    "facilities:program-changes": Access(GET, SECRETARIAT),
    "facilities:notice-line-add": Access(GET, MANAGERS),
    "facilities:notice-line-edit": Access(GET, MANAGERS),
    "facilities:notice-line-drop": Access(POST, MANAGERS, status=302, ready=_line_back),
    "facilities:confirmation-campaigns": Access(GET, SECRETARIAT),
    "facilities:confirmation-campaign": Access(GET, SECRETARIAT),
    "facilities:confirmation-remind": Access(POST, SECRETARIAT, status=302),
    "facilities:confirmation-csv": Access(GET, SECRETARIAT),
    "facilities:confirmation-answer": Access(GET, MANAGERS),
}


def _pledge_text(s, program):
    return s.once(("pledge_text", program.pk), lambda: services.pledge_text_publish(program=program))


KWARGS = {
    # A login with a role in the program (the secretariat's account pages are per program).
    "user_pk": Kwarg("program", own=lambda s: _role(s, s.world.facility_a).user_id,
                     other=lambda s: _role(s, s.world.facility_b).user_id),
    "role_pk": Kwarg("facility", own=lambda s: _role(s, s.world.facility_a).pk,
                     sibling=lambda s: _role(s, s.world.facility_a2).pk,
                     other=lambda s: _role(s, s.world.facility_b).pk),
    "invitation_pk": Kwarg("facility", own=lambda s: _invitation(s, s.world.facility_a).pk,
                           sibling=lambda s: _invitation(s, s.world.facility_a2).pk,
                           other=lambda s: _invitation(s, s.world.facility_b).pk),
    "invitation_token": Kwarg("token", own=lambda s: _token(s, s.world.facility_a),
                              other=lambda s: _token(s, s.world.facility_b)),
    "kind": Kwarg("program", own=lambda s: "staff_pledge", other=lambda s: "staff_pledge"),
    "pledge_text_pk": Kwarg("program", own=lambda s: _pledge_text(s, s.world.program_a).pk,
                            other=lambda s: _pledge_text(s, s.world.program_b).pk),
    "staff_pk": Kwarg("facility", own=lambda s: s.world.staff_a.pk,
                      sibling=lambda s: s.once("sibling_staff", lambda: StaffFactory(facility=s.world.facility_a2)).pk,
                      other=lambda s: s.world.staff_b.pk),
    "notice_pk": Kwarg("facility", own=lambda s: _own_notice(s).pk,
                       sibling=lambda s: _notice(s, s.world.facility_a2).pk,
                       other=lambda s: _notice(s, s.world.facility_b).pk),
    "line_pk": Kwarg("facility", own=_own_line,
                     sibling=lambda s: _notice(s, s.world.facility_a2).lines.get().pk,
                     other=lambda s: _notice(s, s.world.facility_b).lines.get().pk),
    "yearly_campaign_pk": Kwarg("program", own=lambda s: _campaign(s, s.world.program_a).pk,
                         other=lambda s: _campaign(s, s.world.program_b).pk),
    "confirmation_pk": Kwarg("facility", own=lambda s: _confirmation(s, s.world.facility_a).pk,
                             sibling=lambda s: _confirmation(s, s.world.facility_a2).pk,
                             other=lambda s: _confirmation(s, s.world.facility_b).pk),
    "ledger_file_pk": Kwarg("facility", own=_ledger_file(lambda s: s.world.facility_a),
                            sibling=_ledger_file(lambda s: s.world.facility_a2),
                            other=_ledger_file(lambda s: s.world.facility_b)),
}
