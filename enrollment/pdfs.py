"""The application's printed forms: 利用申込書, the facility pledge and the approval notice.

Each takes the variant's 様式 number and title from the profile; `application=None` gives
the blank form for printing and filling in by hand.
"""

from django.http import Http404
from django.utils import timezone

from core.pdf import pdf_view, render_pdf, render_pdf_cached
from facilities.texts import facility_pledge_clauses

from .models import ApplicationStatus

BLANK_ROWS = 10  # the paper 利用申込書 has ten registrant lines


def _context(program, form_kind, application, fallback_title):
    policy = program.policy
    form = policy.form(form_kind)
    registrants = list(application.registrants.order_by("position")) if application else []
    return {
        "program": program,
        "policy": policy,
        "form_number": form.number if form else "",
        "form_title": form.title if form else fallback_title,
        "application": application,
        "registrants": registrants,
        "blank_rows": range(len(registrants) + 1, BLANK_ROWS + 1),
    }


def application_pdf(*, program, application=None):
    """The 利用申込書 (or, where nothing is approved, the record of the registration)."""
    context = _context(program, "application", application, f"{program.policy.program_name} 利用届出書")
    return _render("enrollment/pdf/application.html", context, application)


def facility_pledge_pdf(*, program, application=None):
    """The facility pledge (連携守秘誓約書 and its kin); ValueError where the variant has none."""
    if program.policy.facility_pledge_text is None:
        raise ValueError(f"{program.policy.program_name} has no facility pledge")
    context = _context(program, "facility_pledge", application, "")
    context["clauses"] = (application.pledge_text if application and application.pledge_text
                          else facility_pledge_clauses(program))
    return _render("enrollment/pdf/facility_pledge.html", context, application)


def _render(template_name, context, application):
    # A blank form is the same for everyone: rendered once per text version (anyone may ask for it).
    return render_pdf_cached(template_name, context) if application is None else render_pdf(template_name, context)


def approval_notice_pdf(*, application):
    """The notice that the facility is enrolled, with its facility number and administrators."""
    program = application.program
    staff = list(application.facility.staff.order_by("-is_admin", "pk")) if application.facility_id else []
    context = {
        "program": program,
        "policy": program.policy,
        "form_number": "",
        "form_title": "利用承認通知書" if program.policy.secretariat_approves else "利用届出の記録",
        "application": application,
        "admins": [s for s in staff if s.is_admin],
        "staff_count": len(staff),
        "issued_on": timezone.localdate(),
    }
    return render_pdf("enrollment/pdf/approval_notice.html", context)


def filename(application, what):
    number = application.receipt_number if application else "様式"
    return f"{number}_{what}.pdf"


def document_response(request, application, document):
    """One of the application's PDFs, or 404 where the variant or the state has no such paper."""
    program = application.program
    if document == "application":
        make, what = lambda: application_pdf(program=program, application=application), "利用申込書"
    elif document == "pledge" and program.policy.facility_pledge_text is not None:
        make, what = lambda: facility_pledge_pdf(program=program, application=application), "誓約書"
    elif document == "notice" and application.status == ApplicationStatus.APPROVED:
        make, what = lambda: approval_notice_pdf(application=application), "通知書"
    else:
        raise Http404
    return pdf_view(request, make, filename(application, what))
