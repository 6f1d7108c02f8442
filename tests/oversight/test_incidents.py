"""Incident reports: the APPI clock, the services (report, assess, actions, steps, close) and e-mail."""

import datetime
import io

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from oversight import clock, services
from oversight.forms import IncidentForm, patient_numbers
from oversight.models import ActionKind, Incident, IncidentKind, IncidentStatus
from tests.factories import FacilityFactory, admin_of, coordinator_of, secretariat_of
from tests.oversight.factories import IncidentFactory

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
DISCOVERED = datetime.date(2026, 4, 1)


# --- The clock ------------------------------------------------------------------------------------


def test_the_limits_count_from_the_day_of_discovery():
    due = clock.due_dates(DISCOVERED, malicious=False)
    assert due == {"prompt": datetime.date(2026, 4, 6), "final": datetime.date(2026, 5, 1),
                   "person": datetime.date(2026, 4, 6)}
    assert clock.due_dates(DISCOVERED, malicious=True)["final"] == datetime.date(2026, 5, 31)
    assert clock.prompt_target(DISCOVERED) == datetime.date(2026, 4, 4)


@pytest.mark.parametrize(("sensitive", "malicious", "count", "required"), [
    (True, False, 1, True),  # one person's medical data is enough
    (False, True, 0, True),
    (False, False, 1001, True),
    (False, False, 1000, False),
    (False, False, 0, False),
])
def test_when_a_report_to_the_ppc_is_due(sensitive, malicious, count, required):
    assert clock.report_required(sensitive_data=sensitive, malicious=malicious, affected_count=count) is required


def test_a_step_is_waiting_then_reminded_then_overdue_then_done():
    due = DISCOVERED + 5 * DAY
    states = [clock.step_state("prompt", due, None, DISCOVERED + n * DAY).state for n in (0, 2, 3, 5, 6)]
    assert states == ["waiting", "waiting", "soon", "soon", "overdue"]
    assert clock.step_state("prompt", due, DISCOVERED, DISCOVERED + 9 * DAY).state == "done"
    assert clock.step_state("prompt", due, None, DISCOVERED + 4 * DAY).days_left == 1
    final = DISCOVERED + 30 * DAY
    assert clock.step_state("final", final, None, final - 8 * DAY).state == "waiting"
    assert clock.step_state("final", final, None, final - 7 * DAY).state == "soon"


# --- Reporting ------------------------------------------------------------------------------------


@pytest.fixture
def place(db):
    facility = FacilityFactory()
    return {
        "facility": facility, "program": facility.program, "admin": admin_of(facility),
        "coordinator": coordinator_of(facility), "secretariat": secretariat_of(facility.program),
        "other_admin": admin_of(FacilityFactory(program=facility.program)),
    }


def _report(place, **kwargs):
    kwargs.setdefault("kind", IncidentKind.LOST_DEVICE)
    kwargs.setdefault("discovered_on", DISCOVERED)
    kwargs.setdefault("what_happened", "業務用スマートフォンを紛失した。")
    return services.incident_report(program=place["program"], facility=place["facility"],
                                    by=place["coordinator"], **kwargs)


def test_a_report_sets_the_clock_and_tells_the_admin_and_the_secretariat(place, django_capture_on_commit_callbacks):
    place["program"].secretariat_email = "jimu@example.jp"
    place["program"].save()
    with django_capture_on_commit_callbacks(execute=True):
        incident = _report(place, affected_patient_numbers="P-001", affected_count=1)
    assert incident.prompt_due_on == DISCOVERED + 5 * DAY
    assert incident.final_due_on == DISCOVERED + 30 * DAY
    assert incident.person_due_on == DISCOVERED + 5 * DAY
    assert incident.history.count() == 1 and incident.history.first().history_user == place["coordinator"]
    (message,) = mail.outbox
    assert set(message.to) == {place["admin"].email, place["secretariat"].email, "jimu@example.jp"}
    assert place["other_admin"].email not in message.to
    assert incident.number in message.subject and "端末の紛失・盗難" in message.subject
    assert "施設（事業者）が行います" in message.body and "令和8年4月6日" in message.body


def test_no_mail_when_the_report_is_rolled_back(place, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        _report(place)
        raise RuntimeError
    assert mail.outbox == [] and not Incident.objects.exists()


def test_no_clock_without_sensitive_data_and_the_title_never_carries_a_name(place):
    incident = _report(place, kind=IncidentKind.SYSTEM, sensitive_data=False)
    assert not incident.report_required and incident.steps(DISCOVERED) == []
    assert incident.title == f"{incident.number} システムの異常（{place['facility'].name}）"
    assert incident.number.startswith(place["program"].code + "-T")


def test_a_facility_of_another_program_is_refused(place):
    with pytest.raises(ValidationError) as error:
        services.incident_report(program=place["program"], facility=FacilityFactory(), by=place["coordinator"],
                                 kind=IncidentKind.OTHER, discovered_on=DISCOVERED, what_happened="x")
    assert "このネットワークの施設" in str(error.value)


@pytest.mark.parametrize(("typed", "kept"), [("P-001、Ｐ－００２", "P-001, P-002"), ("123 456", "123, 456"), ("", "")])
def test_patients_are_numbers(typed, kept):
    assert patient_numbers(typed) == kept


@pytest.mark.parametrize("typed", ["山田 太郎", "P-001, ヤマダ"])
def test_a_name_instead_of_a_number_is_refused(typed):
    with pytest.raises(ValidationError, match="氏名は書かないでください"):
        patient_numbers(typed)


def test_the_form_offers_only_the_users_facilities(place):
    form = IncidentForm(program=place["program"], user=place["coordinator"])
    assert list(form.fields["facility"].queryset) == [place["facility"]]
    form = IncidentForm(program=place["program"], user=place["secretariat"])
    assert form.fields["facility"].queryset.count() == 2
    data = {"facility": place["facility"].pk, "kind": "lost_device", "discovered_on": "2026-04-01",
            "occurred_on": "2026-04-02", "what_happened": "紛失", "affected_count": 0}
    form = IncidentForm(data, program=place["program"], user=place["coordinator"])
    assert not form.is_valid() and "発生日は発覚日より前" in str(form.errors["occurred_on"])


def test_the_database_refuses_a_half_set_clock(place):
    incident = IncidentFactory(facility=place["facility"])
    incident.final_due_on = None
    with pytest.raises(IntegrityError), transaction.atomic():
        incident.save()


# --- Working on a report --------------------------------------------------------------------------


def test_actions_steps_and_close(place, django_capture_on_commit_callbacks):
    incident = _report(place)
    admin = place["admin"]
    services.incident_action_add(incident=incident, by=admin, kind=ActionKind.REMOTE_WIPE, done_on=DISCOVERED,
                                 note="MDMから遠隔消去")
    with pytest.raises(ValidationError, match="先に速報"):
        services.incident_step_done(incident=incident, by=admin, step="final", done_on=DISCOVERED + 3 * DAY)
    with pytest.raises(ValidationError, match="委員会への速報、個人情報保護委員会への確報") as error:
        services.incident_close(incident=incident, by=admin, note="終わり")
    assert "本人への通知" in str(error.value)
    services.incident_step_done(incident=incident, by=admin, step="prompt", done_on=DISCOVERED + 2 * DAY)
    with pytest.raises(ValidationError, match="すでに記録"):
        services.incident_step_done(incident=incident, by=admin, step="prompt", done_on=DISCOVERED + 2 * DAY)
    with pytest.raises(ValidationError, match="発覚日より前"):
        services.incident_step_done(incident=incident, by=admin, step="person", done_on=DISCOVERED - DAY)
    services.incident_step_done(incident=incident, by=admin, step="person", done_on=DISCOVERED + 3 * DAY)
    services.incident_step_done(incident=incident, by=place["secretariat"], step="final",
                                done_on=DISCOVERED + 20 * DAY, note="受付番号 12345")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        incident = services.incident_close(incident=incident, by=place["secretariat"], note="再発防止策を確認")
    assert incident.status == IncidentStatus.CLOSED and incident.closed_by == place["secretariat"]
    assert len(mail.outbox) == 1 and "完了" in mail.outbox[0].subject
    kinds = list(incident.actions.values_list("kind", flat=True))
    assert kinds == ["remote_wipe", "prompt", "person", "final", "closed"]
    assert [s.state for s in incident.steps(DISCOVERED + 40 * DAY)] == ["done", "done", "done"]
    with pytest.raises(ValidationError, match="再開"):
        services.incident_action_add(incident=incident, by=admin, kind=ActionKind.OTHER, done_on=DISCOVERED)
    incident = services.incident_reopen(incident=incident, by=admin, note="追加の紛失が分かった")
    assert incident.status == IncidentStatus.OPEN and incident.closed_at is None


def test_steps_cannot_be_added_as_plain_actions(place):
    incident = _report(place)
    with pytest.raises(ValidationError, match="専用の画面"):
        services.incident_action_add(incident=incident, by=place["admin"], kind=ActionKind.PROMPT, done_on=DISCOVERED)


def test_assessing_no_sensitive_data_stops_the_clock_and_lets_it_close(place):
    incident = _report(place)
    incident = services.incident_assess(incident=incident, by=place["secretariat"], sensitive_data=False,
                                        cause="画面ロックと遠隔消去で閲覧されていないことを確認",
                                        note="高度な暗号化と遠隔消去")
    assert not incident.report_required and incident.prompt_due_on is None
    assert "不要と判断" in incident.actions.get(kind=ActionKind.ASSESSED).note
    services.incident_close(incident=incident, by=place["secretariat"], note="報告不要")
    incident = Incident.objects.get(pk=incident.pk)
    assert incident.status == IncidentStatus.CLOSED


def test_malicious_moves_the_final_limit_to_sixty_days(place):
    incident = _report(place, sensitive_data=False)
    incident = services.incident_assess(incident=incident, by=place["admin"], malicious=True)
    assert incident.final_due_on == DISCOVERED + 60 * DAY


def test_overdue_and_due_soon_querysets(place):
    today = datetime.date(2026, 5, 10)
    fresh = IncidentFactory(facility=place["facility"], discovered_on=today - 3 * DAY)  # prompt in its window
    late = IncidentFactory(facility=place["facility"], discovered_on=today - 6 * DAY)  # prompt limit passed
    final_soon = IncidentFactory(facility=place["facility"], discovered_on=today - 25 * DAY,
                                 prompt_done_on=today - 24 * DAY, person_done_on=today - 24 * DAY)
    quiet = IncidentFactory(facility=place["facility"], discovered_on=today - DAY)
    IncidentFactory(facility=place["facility"], discovered_on=today - 50 * DAY, sensitive_data=False,
                    affected_count=0)
    closed = IncidentFactory(facility=place["facility"], discovered_on=today - 50 * DAY,
                             status=IncidentStatus.CLOSED, closed_at=datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC))
    incidents = Incident.objects.all()
    assert set(incidents.overdue(today=today)) == {late}
    assert set(incidents.due_soon(today=today)) == {fresh, final_soon}
    assert quiet not in incidents.due_soon(today=today) and closed not in incidents.overdue(today=today)


def test_the_daily_reminder_mails_once_a_day_about_near_and_past_deadlines(place, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    today = timezone.localdate()
    soon = IncidentFactory(facility=place["facility"], discovered_on=today - 3 * DAY)
    late = IncidentFactory(facility=place["facility"], discovered_on=today - 8 * DAY)
    IncidentFactory(facility=place["facility"], discovered_on=today)  # nothing due yet
    IncidentFactory(facility=place["facility"], discovered_on=today - 8 * DAY, sensitive_data=False, affected_count=0)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("remind_incident_deadlines", stdout=out)
    assert "Reminded 2 trouble report(s)" in out.getvalue()
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == sorted(f"【期限のお知らせ】{i.title}" for i in (soon, late))
    body = next(m.body for m in mail.outbox if late.number in m.subject)
    assert "期限を過ぎています" in body and "施設（事業者）が行います" in body
    assert set(mail.outbox[0].to) == {place["admin"].email, place["secretariat"].email}
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("remind_incident_deadlines", stdout=io.StringIO())
    assert mail.outbox == []
