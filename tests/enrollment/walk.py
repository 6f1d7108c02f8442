"""The enrollment app's part of the access table (tests/walk.py).

The secretariat's pages; the applicant's pages are public (the token in the URL is the key).
"""

from enrollment.models import ApplicationStatus
from tests.enrollment.factories import ApplicationFactory
from tests.factories import FacilityFactory
from tests.walk import EVERYONE, GET, POST, SECRETARIAT, Access, Kwarg


def _application(s):
    # Approved, so that every one of its papers (the approval notice too) exists.
    return s.once("application", lambda: ApplicationFactory(
        program=s.world.program_a, status=ApplicationStatus.APPROVED,
        facility=FacilityFactory(program=s.world.program_a)))


def _application_b(s):
    return s.once("application_b", lambda: ApplicationFactory(program=s.world.program_b))


def _public(why, method=GET, **kwargs):
    return Access(method, EVERYONE, public=why, **kwargs)


ACCESS = {
    "enrollment:apply": _public("the public application form (applicants have no account)"),
    # No ?code= given: the lookup's JSON "not found".
    "enrollment:postal": _public("postal code to address for the public form", status=404),
    "enrollment:public-facilities": _public("participating facilities, published where the policy says so"),
    "enrollment:blank-application-pdf": _public("the blank paper application form"),
    "enrollment:blank-pledge-pdf": _public("the blank paper facility pledge"),
    "enrollment:follow": _public("the applicant's private page (random token from the e-mail)"),
    # The walk's application is approved: back to its page, nothing to correct.
    "enrollment:correct": _public("the applicant answers a return (random token)", status=302),
    "enrollment:withdraw": _public("the applicant withdraws (random token, POST only)", POST),
    # GET shows a button (a mail scanner opening the link confirms nothing); the key is derived from the token.
    "enrollment:confirm-email": _public("the contact confirms their address (e-mailed link: token and key)"),
    "enrollment:follow-application-pdf": _public("the applicant prints the application (random token)"),
    "enrollment:follow-pledge-pdf": _public("the applicant prints the pledge (random token)"),
    "enrollment:follow-notice-pdf": _public("the applicant prints the approval notice (random token)"),
    "enrollment:application-list": Access(GET, SECRETARIAT),
    "enrollment:application-detail": Access(GET, SECRETARIAT),
    "enrollment:application-approve": Access(POST, SECRETARIAT),
    "enrollment:application-return": Access(POST, SECRETARIAT),
    "enrollment:application-reject": Access(POST, SECRETARIAT),
    "enrollment:application-invite": Access(POST, SECRETARIAT),
    "enrollment:application-acknowledge": Access(POST, SECRETARIAT),
    "enrollment:application-pdf": Access(GET, SECRETARIAT),
    "enrollment:application-pledge-pdf": Access(GET, SECRETARIAT),
    "enrollment:application-notice-pdf": Access(GET, SECRETARIAT),
    "enrollment:facility-ledger-csv": Access(GET, SECRETARIAT),
}

KWARGS = {
    "application_pk": Kwarg("program", own=lambda s: _application(s).pk, other=lambda s: _application_b(s).pk),
    "key": Kwarg("token", own=lambda s: _application(s).email_confirm_key(),
                 other=lambda s: _application_b(s).email_confirm_key()),
    "access_token": Kwarg("token", own=lambda s: _application(s).access_token,
                          other=lambda s: _application_b(s).access_token),
}
