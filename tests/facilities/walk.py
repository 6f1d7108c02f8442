"""The facilities app's part of the access table (tests/walk.py): programs, the staff ledger, notices."""

from facilities import services
from facilities.models import NoticeStatus
from tests.facilities.factories import ChangeNoticeFactory, NoticeLineFactory
from tests.factories import StaffFactory
from tests.walk import FACILITY, GET, MANAGERS, POST, SECRETARIAT, Access, Kwarg


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


def _comment(s):
    return {"comment": "職種を確認してください"}


def _post(allowed, **kwargs):
    return Access(POST, allowed, status=302, data=_comment, **kwargs)


ACCESS = {
    "facilities:program-detail": Access(GET, FACILITY),
    "facilities:facility-list": Access(GET, SECRETARIAT),
    "facilities:program-staff-csv": Access(GET, SECRETARIAT),
    "facilities:notice-inbox": Access(GET, SECRETARIAT),
    "facilities:facility-detail": Access(GET, FACILITY),
    "facilities:ledger-csv": Access(GET, FACILITY),
    "facilities:ledger-pdf": Access(GET, FACILITY),
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
}


def _pledge_text(s, program):
    return s.once(("pledge_text", program.pk), lambda: services.pledge_text_publish(program=program))


KWARGS = {
    "kind": Kwarg("program", own=lambda s: "staff_pledge", other=lambda s: "staff_pledge"),
    "pledge_text_pk": Kwarg("program", own=lambda s: _pledge_text(s, s.world.program_a).pk,
                            other=lambda s: _pledge_text(s, s.world.program_b).pk),
    "staff_pk": Kwarg("facility", own=lambda s: s.world.staff_a.pk,
                      sibling=lambda s: s.once("sibling_staff", lambda: StaffFactory(facility=s.world.facility_a2)).pk,
                      other=lambda s: s.world.staff_b.pk),
    "notice_pk": Kwarg("facility", own=lambda s: _own_notice(s).pk,
                       sibling=lambda s: _notice(s, s.world.facility_a2).pk,
                       other=lambda s: _notice(s, s.world.facility_b).pk),
}
