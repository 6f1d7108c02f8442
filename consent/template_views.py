"""Consent form versions: everyone in the program may read and print them; the secretariat drafts and publishes."""

from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from core.pdf import pdf_view
from core.views import show_errors
from facilities.access import get_program_for_user, is_secretariat

from . import pdfs, services
from . import reconsent as reconsent_module
from .access import get_template_for_user
from .forms import ReconsentForm, TemplateForm
from .models import ConsentTemplate


def template_list(request, slug):
    program = get_program_for_user(request.user, slug)
    templates = (
        ConsentTemplate.objects.filter(program=program).select_related("published_by")
        .annotate(record_count=Count("records")).order_by("-version")
    )
    return render(request, "consent/template_list.html", {
        "program": program, "templates": templates, "is_secretariat": is_secretariat(request.user, program),
        # Before the first patient, the form in force is our default version 1, not yet stored.
        "default": None if templates else pdfs.current_or_default_template(program),
        "has_draft": any(not t.is_published for t in templates),
        # Until the secretariat publishes its own version, the form is the portal's model text
        # (or, where the policy gives the form in full, the policy's own: no note).
        "model_note": "" if any(t.published_by_id for t in templates) else program.policy.model_text_note("consent"),
    })


def template_detail(request, consent_template_pk):
    template = get_template_for_user(request.user, consent_template_pk)
    return render(request, "consent/template_detail.html", {
        "template": template, "program": template.program,
        "is_secretariat": is_secretariat(request.user, template.program),
    })


def template_pdf(request, consent_template_pk):
    """The blank form of one version, to print a stack for home visits."""
    template = get_template_for_user(request.user, consent_template_pk)
    make = partial(pdfs.consent_pdf, program=template.program, template=template)
    return pdf_view(request, make, pdfs.blank_filename(template))


def program_blank_pdf(request, slug):
    """The blank form of the version in force (our default version 1 before any is stored)."""
    program = get_program_for_user(request.user, slug)
    template = pdfs.current_or_default_template(program)
    return pdf_view(request, partial(pdfs.consent_pdf, program=program, template=template), pdfs.blank_filename(template))


@require_POST
def template_draft(request, slug):
    program = get_program_for_user(request.user, slug, secretariat=True)
    draft = services.consent_template_draft(program=program, by=request.user)
    return redirect("consent:template-edit", consent_template_pk=draft.pk)


def template_edit(request, consent_template_pk):
    template = get_template_for_user(request.user, consent_template_pk, secretariat=True)
    if template.is_published:
        messages.error(request, "公開済みの版は変更できません。新しい版を作ってください。")
        return redirect("consent:template-detail", consent_template_pk=template.pk)
    form = TemplateForm(request.POST or None, initial=TemplateForm.initial_for(template))
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_template_update(template=template, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"第{template.version}版の下書きを保存しました。")
            return redirect("consent:template-detail", consent_template_pk=template.pk)
    return render(request, "consent/template_edit.html", {
        "template": template, "program": template.program, "form": form,
    })


@require_POST
def template_publish(request, consent_template_pk):
    template = get_template_for_user(request.user, consent_template_pk, secretariat=True)
    try:
        services.consent_template_publish(template=template, by=request.user)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, f"第{template.version}版を公開しました。以後この版は変更できません。")
    return redirect("consent:template-detail", consent_template_pk=template.pk)


def reconsent(request, slug):
    """Patients whose consent is on an older version: the secretariat (all) or the facility (its
    patients) asks for it again; the coordinators see the open requests on their home page."""
    program = get_program_for_user(request.user, slug)
    candidates = reconsent_module.patients_on_older_versions(program, request.user)
    form = ReconsentForm(request.POST if request.method == "POST" else None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            made = reconsent_module.reconsent_request(program=program, by=request.user,
                                                      patients=form.cleaned_data["patients"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{len(made)}人の同意の取り直しを依頼しました（担当事業所のホームに表示されます）。")
            return redirect("consent:reconsent", slug=program.slug)
    return render(request, "consent/reconsent.html", {
        "program": program, "form": form, "candidates": candidates,
        "current": reconsent_module.current_version(program),
    })
