"""The applicant's side and the public pages: no login.

The application form, its postal-code lookup, the private follow page (its token is the
key), the correction of a returned application, printing, and the public list of
participating facilities where the variant publishes one.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.forms import add_service_errors
from core.pdf import pdf_view
from core.views import show_errors
from facilities.models import Facility, FacilityKind, Program
from facilities.texts import facility_pledge_clauses

from . import pdfs, postal, services
from .access import get_application_by_token
from .forms import ApplicationForm, WithdrawForm, registrant_formset, with_extra_row
from .models import ApplicationStatus
from .stale import stale_response

PUBLIC_PAGE_SIZE = 100
DUPLICATE_WARNING = (
    "同じ施設からの申込がすでに届いています。二重に送信した場合は、不要な方をこのページから取り下げてください。"
    "事務局にもお知らせしています。"
)


def _program(slug):
    return get_object_or_404(Program.objects.active(), slug=slug)


def _private(response):
    # The follow pages carry personal data behind a link: keep them out of caches and search engines.
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _handle_form(request, program, submit, *, application=None):
    """The shared GET/POST cycle of the application form: returns (form, formset, quiet, result)."""
    if request.method != "POST":
        initial_form = ApplicationForm(program=program, instance=application)
        return initial_form, registrant_formset(application=application), False, None
    if "add_row" in request.POST:
        # Without JavaScript the 行を追加 button posts here: same page, one more row, no errors yet.
        data = with_extra_row(request.POST)
        return ApplicationForm(data, program=program), registrant_formset(data), True, None
    form = ApplicationForm(request.POST, program=program)
    formset = registrant_formset(request.POST)
    if form.is_valid() & formset.is_valid():  # both, so that every error shows at once
        data = dict(form.cleaned_data)
        key = data.pop("submission_key", "")
        try:
            return form, formset, False, submit(data=data, registrants=formset.rows(), submission_key=key)
        except services.TransitionError:
            raise  # the application moved on meanwhile: the caller explains (a stale page)
        except ValidationError as error:
            add_service_errors(form, error)
            if any(v.rule == "APP-EMAIL-DUP" for v in getattr(error, "violations", ())):
                formset.mark_repeated_emails()
    return form, formset, False, None


def _render_form(request, template, program, form, formset, quiet, **extra):
    policy = program.policy
    context = {
        "program": program, "policy": policy, "form": form, "formset": formset, "quiet": quiet,
        "pledge_form": policy.form("facility_pledge"), "application_form": policy.form("application"),
        # The version the secretariat has in force, which the application will agree to.
        "pledge_clauses": facility_pledge_clauses(program) if policy.facility_pledge_text is not None else [],
        "word": "申込" if policy.secretariat_approves else "届出", **extra,
    }
    status = 400 if request.method == "POST" and not quiet else 200
    return _private(render(request, template, context, status=status))


@login_not_required
@require_http_methods(["GET", "POST"])
def apply(request, slug):
    program = _program(slug)

    def submit(**kwargs):
        return services.application_submit(program=program, **kwargs)

    try:
        form, formset, quiet, application = _handle_form(request, program, submit)
    except services.AlreadySubmitted as repeat:
        # The same page sent twice: one application, and the applicant lands where the first went.
        application = repeat.application
        messages.info(request, f"この内容はすでに受け付けています（受付番号 {application.receipt_number}）。"
                               "二重には登録していません。")
        return redirect("enrollment:follow", access_token=application.access_token)
    if application is not None:
        word = "届出を記録しました" if application.is_registration else "申込を受け付けました"
        messages.success(request, f"{word}。受付番号は {application.receipt_number} です。")
        if application.possible_duplicates.exists():
            messages.warning(request, DUPLICATE_WARNING)
        return redirect("enrollment:follow", access_token=application.access_token)
    return _render_form(request, "enrollment/apply.html", program, form, formset, quiet)


@login_not_required
@require_GET
def postal_lookup(request, slug):
    """{'address': ...} for ?code=5800001 (used by enrollment.js); 404 for an unknown code."""
    _program(slug)
    found = postal.lookup(request.GET.get("code", ""))
    if found is None:
        return JsonResponse({"error": "該当する住所が見つかりません。"}, status=404)
    return JsonResponse(found)


@login_not_required
@require_GET
@never_cache
def follow(request, access_token):
    application = get_application_by_token(access_token)
    return _private(render(
        request, "enrollment/follow.html",
        {
            "application": application, "program": application.program, "policy": application.program.policy,
            "registrants": application.registrants.order_by("position"),
            "events": application.events.order_by("created_at", "pk"),
            "withdraw_form": WithdrawForm(), "statuses": ApplicationStatus,
            "has_duplicates": application.possible_duplicates.exists(),
        },
    ))


@login_not_required
@require_http_methods(["GET", "POST"])
@never_cache
def correct(request, access_token):
    application = get_application_by_token(access_token)
    if application.status != ApplicationStatus.RETURNED:
        if request.method == "POST":  # a correction sent from a page older than the last decision
            return stale_response(request, application, "修正した申込の再提出", public=True)
        messages.info(request, "この申込は差戻し中ではないため、修正できません。")
        return redirect("enrollment:follow", access_token=access_token)
    program = application.program

    def submit(**kwargs):
        kwargs.pop("submission_key", None)
        return services.application_resubmit(application=application, **kwargs)

    try:
        form, formset, quiet, done = _handle_form(request, program, submit, application=application)
    except services.TransitionError:  # decided while the applicant was typing
        application.refresh_from_db()
        return stale_response(request, application, "修正した申込の再提出", public=True)
    if done is not None:
        messages.success(request, "修正した申込を再提出しました。事務局が確認します。")
        return redirect("enrollment:follow", access_token=access_token)
    return _render_form(
        request, "enrollment/correct.html", program, form, formset, quiet, application=application
    )


@login_not_required
@require_http_methods(["GET", "POST"])
@never_cache
def confirm_email(request, access_token, key):
    """The link e-mailed to the contact of a registration: a button confirms the address (a GET
    changes nothing, so a mail scanner opening the link confirms nothing)."""
    application = get_application_by_token(access_token)
    if not constant_time_compare(key, application.email_confirm_key()):
        raise Http404
    if request.method == "POST":
        services.application_confirm_email(application=application)
        messages.success(request, "メールアドレスを確認しました。事務局が届出の内容を確かめた後、管理者にログインの案内が届きます。")
        return redirect("enrollment:follow", access_token=access_token)
    return _private(render(
        request, "enrollment/confirm_email.html",
        {"application": application, "program": application.program, "policy": application.program.policy},
    ))


@login_not_required
@require_POST
def withdraw(request, access_token):
    application = get_application_by_token(access_token)
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.application_withdraw(application=application, reason=reason)
    except services.TransitionError:
        if application.status == ApplicationStatus.WITHDRAWN:  # pressed twice: done already
            messages.info(request, "この申込はすでに取り下げています。")
            return redirect("enrollment:follow", access_token=access_token)
        return stale_response(request, application, "申込の取下げ", public=True)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, "申込を取り下げました。")
    return redirect("enrollment:follow", access_token=access_token)


@login_not_required
@require_GET
@never_cache
def follow_document(request, access_token, document):
    return _private(pdfs.document_response(request, get_application_by_token(access_token), document))


@login_not_required
@require_GET
def blank_form(request, slug, document):
    """The empty paper forms, for those who fill them in by hand."""
    program = _program(slug)
    if document == "application":
        return pdf_view(request, lambda: pdfs.application_pdf(program=program), pdfs.filename(None, "利用申込書"))
    if document == "pledge" and program.policy.facility_pledge_text is not None:
        return pdf_view(request, lambda: pdfs.facility_pledge_pdf(program=program), pdfs.filename(None, "誓約書"))
    raise Http404


@login_not_required
@require_GET
def public_facilities(request, slug):
    """Participating facilities, where the variant publishes them: no staff, town-level addresses."""
    program = _program(slug)
    if not program.policy.publishes_facility_list:
        raise Http404
    facilities = Facility.objects.approved().filter(program=program).only(
        "name", "name_kana", "kind", "address", "phone"
    ).order_by("kind", "name_kana", "pk")
    kind = request.GET.get("kind", "")
    if kind in FacilityKind.values:
        facilities = facilities.filter(kind=kind)
    page = Paginator(facilities, PUBLIC_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "enrollment/public_facilities.html",
        {"program": program, "policy": program.policy, "page": page, "kinds": FacilityKind.choices, "kind": kind},
    )
