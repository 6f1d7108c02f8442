"""Pledge texts the secretariat owns (versions, a new version with a PDF preview) and re-pledging."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render

from core.forms import add_service_errors
from core.pdf import pdf_view

from . import pdfs, texts
from .access import get_facility_for_user, get_pledge_text_for_user, get_program_for_user
from .forms import PledgeTextForm, RepledgeForm
from .ledger import pledge_text_for_print
from .models import PledgeKind, PledgeText, PledgeTextKind, RepledgeRequest


def pledge_text_list(request, slug):
    program = get_program_for_user(request.user, slug, secretariat=True)
    versions = (
        PledgeText.objects.filter(program=program).select_related("published_by")
        .annotate(signed=Count("pledges", filter=Q(pledges__kind=PledgeKind.SIGNED))).order_by("kind", "-version")
    )
    kinds = []
    for kind in texts.pledge_kinds(program):
        current = pledge_text_for_print(program, kind)
        kinds.append({
            "kind": kind, "label": PledgeTextKind(kind).label, "current": current,
            "versions": [v for v in versions if v.kind == kind],
            "model_note": program.policy.model_text_note(kind) if texts.is_model_text(program, current) else "",
        })
    return render(request, "facilities/pledge_text_list.html", {
        "program": program, "kinds": kinds,
        "older_signers": len(texts.staff_on_older_versions(program)),
    })


def _kind(program, kind):
    if kind not in texts.pledge_kinds(program):
        raise Http404
    return kind


def pledge_text_new(request, slug, kind):
    """The next version, drafted from the one in force; 「PDFで確かめる」 prints it unsaved, 「公開する」 publishes."""
    program = get_program_for_user(request.user, slug, secretariat=True)
    kind = _kind(program, kind)
    current = pledge_text_for_print(program, kind)
    form = PledgeTextForm(request.POST if request.method == "POST" else None, initial={"clauses": "\n\n".join(current.clauses)})
    if request.method == "POST" and form.is_valid():
        clauses = form.cleaned_data["clauses"]
        if "preview" in request.POST:
            preview = texts.pledge_text_preview(program=program, kind=kind, clauses=clauses)
            return pdf_view(request, lambda: pdfs.pledge_text_pdf(preview), f"{preview.title}_確認用.pdf")
        try:
            text = texts.pledge_text_new_version(program=program, kind=kind, by=request.user, clauses=clauses)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{text.title} 第{text.version}版を公開しました。前の版に署名した人は残ります。")
            return redirect("facilities:pledge-text-list", slug=program.slug)
    return render(request, "facilities/pledge_text_form.html", {
        "program": program, "form": form, "current": current, "label": PledgeTextKind(kind).label,
    })


def pledge_text_pdf(request, pledge_text_pk):
    """One stored version as its blank form: what the people who signed it agreed to."""
    text = get_pledge_text_for_user(request.user, pledge_text_pk)
    return pdf_view(request, lambda: pdfs.pledge_text_pdf(text), f"{text.title}_第{text.version}版.pdf")


def _repledge(request, program, facility, template, back):
    candidates = texts.staff_on_older_versions(program, facility=facility)
    form = RepledgeForm(request.POST if request.method == "POST" else None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            made = texts.repledge_request(program=program, by=request.user, staff=form.cleaned_data["staff"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"{len(made)}人に再署名をお願いしました（事業所の{program.policy.admin_label}にメールしました）。"
            )
            return redirect(back)
    closed = (
        RepledgeRequest.objects.filter(staff__program=program, closed_at__isnull=False)
        .filter(**({"staff__facility": facility} if facility else {}))
        .select_related("staff__facility", "text", "requested_by", "pledge")[:50]
    )
    return render(request, template, {
        "program": program, "facility": facility, "form": form, "candidates": candidates, "closed": closed,
        "current": PledgeText.objects.latest_for(program, PledgeTextKind.STAFF),
    })


def repledge_program(request, slug):
    """The secretariat's list: staff of every facility who signed an older version."""
    program = get_program_for_user(request.user, slug, secretariat=True)
    return _repledge(request, program, None, "facilities/repledge.html", request.path)


def repledge_facility(request, facility_pk):
    """The facility's list: its own staff who signed an older version."""
    facility = get_facility_for_user(request.user, facility_pk, manage=True)
    return _repledge(request, facility.program, facility, "facilities/repledge.html", request.path)
