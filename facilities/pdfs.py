"""The ledger's printed forms: the variant's staff pledge and change notice, and the ledger itself.

Form numbers and titles come from the program's policy profile; dates print in 和暦. The
blank versions (no person, no notice) are what the secretariat hands out on paper.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone

from core.pdf import JapaneseFontMissing, pdf_view, render_pdf, unprintable

from .ledger import pledge_text_for_print
from .models import ChangeKind, PledgeTextKind, Staff


class NoSuchForm(ValueError):
    """The program's policy has no form of this kind (e.g. no change notice)."""


def _form(program, kind):
    form = program.policy.form(kind)
    if form is None:
        raise NoSuchForm(f"{program.name} has no {kind} form")
    return form


def unprintable_names(*texts):
    """Characters of these names the embedded font cannot draw, to tell the person before printing."""
    return unprintable("".join(t or "" for t in texts))


def pdf_or_back(request, make, filename, back, *, names=(), later=None):
    """What the ledger's PDF views answer: the PDF; or back to `back` saying which characters of
    `names` the font lacks (names typed before input was checked); or, without a Japanese font,
    core.pdf.pdf_view's page that explains. With `later`, what it answers replaces rendering
    here (a background job's "ready" page, for a big PDF)."""
    try:
        missing = unprintable_names(*names)
    except JapaneseFontMissing:
        missing = []  # pdf_view tells the person
    if missing:
        messages.error(
            request,
            f"「{'」「'.join(missing)}」は印刷用のフォントにない文字のため、PDFにできません。"
            "常用の字体に置き換えるか、手書きで補ってください。",
        )
        return redirect(back)
    if later is not None:
        return later()
    return pdf_view(request, make, filename)


def staff_pledge_pdf(*, program, staff=None, text=None):
    """The variant's staff pledge, prefilled for `staff` (blank when None), on the wording in force
    (or on `text`, a stored or previewed version)."""
    form = _form(program, "staff_pledge")
    text = text or pledge_text_for_print(program)
    return render_pdf(
        "facilities/pdf/staff_pledge.html",
        {
            "program": program, "policy": program.policy,
            "form_number": form.number, "form_title": form.title,
            "text": text, "staff": staff, "facility": staff.facility if staff else None,
        },
    )


def pledge_text_pdf(text):
    """One version of a pledge's wording as its blank form (a stored version, or the preview of the next)."""
    program = text.program
    if text.kind == PledgeTextKind.STAFF:
        return staff_pledge_pdf(program=program, text=text)
    # The facility pledge is the application's form (enrollment prints it filled in); same template.
    return render_pdf("enrollment/pdf/facility_pledge.html", {
        "program": program, "policy": program.policy, "form_number": text.form_number,
        "form_title": text.title, "clauses": text.clauses, "application": None, "text": text,
    })


def change_notice_pdf(*, program, notice=None):
    """The variant's change notice form, filled with the notice's lines (blank rows when None)."""
    form = _form(program, "change_notice")
    lines = list(notice.lines.select_related("staff__removal", "record")) if notice else []
    return render_pdf(
        "facilities/pdf/change_notice.html",
        {
            "program": program, "policy": program.policy,
            "form_number": form.number, "form_title": form.title,
            "notice": notice, "facility": notice.facility if notice else None,
            "added": [line for line in lines if line.change == ChangeKind.ADD],
            "removed": [line for line in lines if line.change == ChangeKind.REMOVE],
            "changed": [line for line in lines if line.change == ChangeKind.CHANGE],
            "blank_rows": range(0 if notice else 5),
        },
    )


def ledger_pdf(*, facility):
    """The facility's 管理台帳 (current and removed staff), with the variant's forms named in its header."""
    program = facility.program
    staff = Staff.objects.filter(facility=facility).with_ledger().select_related("removal")
    return render_pdf(
        "facilities/pdf/ledger.html",
        {
            "program": program, "policy": program.policy, "facility": facility,
            "staff": staff.order_by("status", "full_name_kana"),
            "pledge_form": program.policy.form("staff_pledge"),
            "notice_form": program.policy.form("change_notice"),
            "today": timezone.localdate(), "form_title": f"{program.name} 利用者管理台帳",
        },
    )
