"""The yearly confirmation (継続確認): the secretariat's campaigns, and a facility's one-page answer."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, F, IntegerField, Max, OuterRef, Q, Subquery
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.csv import csv_response
from core.forms import add_service_errors
from core.views import show_errors, show_repeated

from .access import get_campaign_for_user, get_confirmation_for_user, get_program_for_user
from .confirmation import (
    AlreadyAnswered,
    admin_to_mail,
    campaign_remind,
    campaign_start,
    confirmation_submit,
    lines_to_confirm,
    no_admin_left,
)
from .confirmation_forms import CampaignForm, StaffAnswerForm
from .models import ConfirmationAnswer, ConfirmationCampaign, ConfirmationReminder
from .services import notice_comes_first


def campaign_list(request, slug):
    """The program's campaigns, newest first, and the form that starts the next one."""
    program = get_program_for_user(request.user, slug, secretariat=True)
    open_campaign = ConfirmationCampaign.objects.filter(program=program).open().first()
    form = CampaignForm(request.POST or None, open_campaign=open_campaign)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = campaign_start(program=program, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if not show_repeated(request, f"「{campaign.title}」", campaign, campaign.started_at, campaign.started_by):
                messages.success(request, _started(campaign, program.policy))
                if campaign.unreachable:
                    messages.warning(request, (
                        f"{len(campaign.unreachable)}施設には、メールを受け取れる{program.policy.admin_label}がいません"
                        "（ログインできる人がいないか、停止中）。継続確認の画面の一覧を見て、電話やFAXでお知らせください。"
                    ))
            return redirect("facilities:confirmation-campaign", yearly_campaign_pk=campaign.pk)
    answered = Q(confirmations__submitted_at__isnull=False)
    campaigns = ConfirmationCampaign.objects.filter(program=program).annotate(
        total=Count("confirmations"), answered=Count("confirmations", filter=answered),
    )
    return render(
        request, "facilities/confirmation_campaigns.html",
        {"program": program, "policy": program.policy, "campaigns": campaigns, "form": form,
         "open_campaign": open_campaign},
    )


def _started(campaign, policy):
    asked = campaign.confirmations.count()
    mailed = asked - len(campaign.unreachable)
    if not mailed:
        return f"「{campaign.title}」を始めました。{asked}施設に確認をお願いしましたが、メールを送れた施設はありません。"
    return (
        f"「{campaign.title}」を始めました。{asked}施設に確認をお願いし、{mailed}施設の{policy.admin_label}"
        f"（{campaign.recipients}名）にお願いのメールを送りました。"
    )


def _reminders(field):
    rows = ConfirmationReminder.objects.filter(confirmation=OuterRef("pk")).order_by().values("confirmation")
    return Subquery(rows.annotate(v=field).values("v")[:1])


def campaign_detail(request, yearly_campaign_pk):
    """Who has answered and who has not, with the counts and the reminders sent (one query)."""
    campaign = get_campaign_for_user(request.user, yearly_campaign_pk)
    changed_admin = Q(answers__still_employed=True) & ~Q(answers__still_admin=F("answers__was_admin"))
    confirmations = list(
        campaign.confirmations.select_related("facility", "submitted_by")
        .annotate(
            lines=Count("answers"),
            leavers=Count("answers", filter=Q(answers__still_employed=False)),
            shared_email=Count("answers", filter=Q(answers__email_personal=False)),
            admin_changes=Count("answers", filter=changed_admin),
            reminder_count=_reminders(Count("pk", output_field=IntegerField())),
            last_reminded=_reminders(Max("sent_on")),
            mailable=admin_to_mail(),
        )
        .order_by(F("submitted_at").asc(nulls_first=True), "facility__number")
    )
    unanswered = [c for c in confirmations if c.submitted_at is None]
    # Who would not get the reminder either: the secretariat phones or faxes them.
    unreachable = [c for c in unanswered if not c.mailable] if campaign.closed_at is None else []
    today = timezone.localdate()
    return render(
        request, "facilities/confirmation_campaign.html",
        {
            "campaign": campaign, "program": campaign.program, "policy": campaign.program.policy,
            "confirmations": confirmations, "unanswered": unanswered, "unreachable": unreachable,
            "answered_count": len(confirmations) - len(unanswered), "today": today,
            "overdue": campaign.closed_at is None and today > campaign.due_on,
            "all_reminded_today": all(c.last_reminded == today for c in unanswered),
        },
    )


@require_POST
def campaign_remind_view(request, yearly_campaign_pk):
    campaign = get_campaign_for_user(request.user, yearly_campaign_pk)
    try:
        sent = campaign_remind(campaign=campaign, by=request.user)
    except ValidationError as exc:
        show_errors(request, exc)
    else:
        if sent:
            messages.success(
                request, f"まだ回答していない{sent}施設の{campaign.program.policy.admin_label}に催促のメールを送りました。"
            )
        else:
            messages.info(request, "今日はもう催促を送っています（催促は1施設に1日1回です）。")
    return redirect("facilities:confirmation-campaign", yearly_campaign_pk=campaign.pk)


def _yes_no(value):
    return "" if value is None else ("はい" if value else "いいえ")


def campaign_csv(request, yearly_campaign_pk):
    """Every answer of the campaign, one line per person; a facility that has not answered is one
    line saying so."""
    campaign = get_campaign_for_user(request.user, yearly_campaign_pk)
    label = campaign.program.policy.admin_label
    header = [
        "施設番号", "施設名", "回答", "回答日時", "回答した人", "氏名", "職種", "確認したメールアドレス",
        f"回答前の{label}", "在籍", f"回答後の{label}", "本人だけが使うメールアドレス", "離れた理由", "離れた日",
    ]

    def rows():
        for confirmation in campaign.confirmations.unanswered().select_related("facility").order_by("facility__number"):
            yield [confirmation.facility.number, confirmation.facility.name, "未回答"]
        answers = (
            ConfirmationAnswer.objects.filter(confirmation__campaign=campaign)
            .select_related("confirmation__facility", "confirmation__submitted_by", "staff")
            .order_by("confirmation__facility__number", "staff__full_name_kana", "pk")
        )
        for a in answers.iterator(chunk_size=500):
            c = a.confirmation
            yield [
                c.facility.number, c.facility.name, "回答済み",
                timezone.localtime(c.submitted_at).strftime("%Y-%m-%d %H:%M"),
                c.submitted_by.full_name if c.submitted_by else "", a.staff.full_name, a.staff.get_job_display(),
                a.email, _yes_no(a.was_admin), _yes_no(a.still_employed), _yes_no(a.still_admin),
                _yes_no(a.email_personal), a.get_left_reason_display(), a.left_on or "",
            ]

    return csv_response(header, rows(), f"継続確認_{campaign.program.name}_{campaign.title}.csv")


def confirmation_answer(request, confirmation_pk):
    """The facility's one page: every active line of its ledger, answered and sent in one go.
    Once answered, the page shows the recorded answer."""
    confirmation = get_confirmation_for_user(request.user, confirmation_pk)
    facility, policy = confirmation.facility, confirmation.facility.program.policy
    context = {
        "confirmation": confirmation, "campaign": confirmation.campaign, "facility": facility, "policy": policy,
        "notice_first": notice_comes_first(facility.program),
    }
    if confirmation.submitted_at is not None:
        context["answers"] = confirmation.answers.select_related("staff", "staff__removal")
        return render(request, "facilities/confirmation_answer.html", context)
    staff = list(lines_to_confirm(facility))
    data = request.POST if request.method == "POST" else None
    forms = [StaffAnswerForm(data, staff=person, policy=policy) for person in staff]
    error = None
    valid = data is not None and all([form.is_valid() for form in forms])
    if data is not None and forms and not any(form.may_stay_admin() for form in forms):
        # Said with the lines' own errors, not after them: one press shows every problem.
        error, valid = ValidationError(no_admin_left(policy)), False
    if valid:
        answers = {form.staff.pk: form.answer() for form in forms}
        try:
            confirmation_submit(confirmation=confirmation, by=request.user, answers=answers)
        except AlreadyAnswered as exc:
            messages.info(request, exc.messages[0])
            return redirect("facilities:confirmation-answer", confirmation_pk=confirmation.pk)
        except ValidationError as exc:
            error = exc
        else:
            leavers = sum(not a.still_employed for a in answers.values())
            messages.success(request, "継続確認の回答を記録しました。ご協力ありがとうございました。")
            if leavers:
                if context["notice_first"]:
                    done = "変更届に載せました。変更届を提出すると削除が完了します。"
                elif policy.change_notice_required:
                    done = "削除し、変更届に載せました。提出を忘れないでください。"
                else:
                    done = "削除しました。"
                messages.info(request, f"退職・異動した{leavers}名を{done}")
            return redirect("facilities:confirmation-answer", confirmation_pk=confirmation.pk)
    invalid = data is not None and any(form.errors for form in forms)
    context.update({"forms": forms, "error": error, "invalid": invalid})
    return render(request, "facilities/confirmation_answer.html", context)
