"""Forms that forgive (issue 17) and findings instead of answers (issue 19): the same facility sent
twice, one form sent twice, decisions taken meanwhile in another tab, addresses already in use,
the queue's search and separation of duties."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from enrollment import services
from enrollment.models import Application, ApplicationStatus, EventKind
from tests.conftest import VerifiedClient as Client
from tests.enrollment.factories import ApplicationFactory, RegistrantFactory
from tests.enrollment.helpers import post_data, row, service_data
from tests.factories import FacilityFactory, ProgramFactory, StaffFactory, UserFactory, secretariat_of

pytestmark = pytest.mark.django_db

S = ApplicationStatus


def apply_url(program):
    return reverse("enrollment:apply", args=[program.slug])


def detail_url(application):
    return reverse("enrollment:application-detail", args=[application.program.slug, application.pk])


def action_url(name, application):
    return reverse(f"enrollment:{name}", args=[application.program.slug, application.pk])


def form_key(response):
    return re.search(r'name="submission_key" value="([^"]+)"', response.content.decode()).group(1)


# --- One form sent twice; the same facility sent again --------------------------------------


def test_the_same_form_sent_twice_is_one_application(client):
    program = ProgramFactory(variant="matsubara")
    key = form_key(client.get(apply_url(program)))
    first = client.post(apply_url(program), post_data(program, submission_key=key))
    again = client.post(apply_url(program), post_data(program, submission_key=key), follow=True)
    application = Application.objects.get()
    assert first.status_code == 302 and again.status_code == 200
    assert again.redirect_chain[-1][0] == reverse("enrollment:follow", args=[application.access_token])
    assert f"すでに受け付けています（受付番号 {application.receipt_number}）" in again.content.decode()


def test_the_same_facility_sent_again_warns_the_applicant_and_marks_both_for_the_secretariat(client):
    program = ProgramFactory(variant="matsubara")
    client.post(apply_url(program), post_data(program, submission_key=form_key(client.get(apply_url(program)))))
    # Back, then send again: a fresh page (new key), the same facility written a little differently.
    again = client.post(
        apply_url(program),
        post_data(program, submission_key=form_key(client.get(apply_url(program))), facility_name="みらい在宅クリニック ",
                  phone="072-123-4567"),
        follow=True,
    )
    first, second = Application.objects.order_by("pk")
    body = again.content.decode()
    assert "同じ施設からの申込がすでに届いています" in body and "同じ施設からの申込がほかにもあります" in body
    assert first.receipt_number not in body  # the applicant is not told another's number
    assert list(first.possible_duplicates.all()) == [second] and list(second.possible_duplicates.all()) == [first]

    staff = Client()
    staff.force_login(secretariat_of(program))
    queue = staff.get(reverse("enrollment:application-list", args=[program.slug])).content.decode()
    assert queue.count("重複の可能性 1") == 2
    for this, other in ((first, second), (second, first)):
        page = staff.get(detail_url(this)).content.decode()
        assert "同じ施設からと思われる申込" in page and detail_url(other) in page and other.receipt_number in page


def test_another_facility_or_a_withdrawn_one_is_no_duplicate():
    program = ProgramFactory(variant="matsubara")
    data = service_data(program)
    first = services.application_submit(program=program, data=data, registrants=[row(1, admin=True)])
    other = services.application_submit(
        program=program, data={**data, "facility_name": "ほかの薬局", "facility_name_kana": "ホカノヤッキョク"},
        registrants=[row(2, admin=True)],
    )
    services.application_withdraw(application=first)
    third = services.application_submit(program=program, data=data, registrants=[row(3, admin=True)])
    assert not other.possible_duplicates.exists() and not third.possible_duplicates.exists()


# --- No enumeration: an address already in use is the secretariat's finding ----------------


def test_the_public_form_does_not_tell_whether_an_address_is_a_staff_id(client):
    """Failed before: the form answered 400 naming the address as someone's MCS ID, nothing saved."""
    program = ProgramFactory(variant="matsubara", secretariat_email="office@example.jp")
    StaffFactory(facility=FacilityFactory(program=program), email="taken@example.jp")

    def send(email):
        rows = [row(1, admin=True, email=email)]
        response = client.post(apply_url(program), post_data(program, rows=rows, facility_name=f"{email}診療所"),
                               follow=True)
        return response.status_code, response.content.decode()

    free_status, free_body = send("free@example.jp")
    taken_status, taken_body = send("taken@example.jp")
    assert free_status == taken_status == 200
    assert "申込を受け付けました" in taken_body and "申込を受け付けました" in free_body
    assert "使われています" not in taken_body and "要確認" not in taken_body
    application = Application.objects.get(facility_name="taken@example.jp診療所")
    assert [f["rule"] for f in application.blocks] == ["APP-EMAIL-DUP"]
    mail.outbox.clear()
    # The secretariat sees it in the queue and on the application; the approval still refuses it.
    staff = Client()
    secretary = secretariat_of(program)
    staff.force_login(secretary)
    assert "要確認 1" in staff.get(reverse("enrollment:application-list", args=[program.slug])).content.decode()
    assert "taken@example.jp が重複しているか、すでに使われています" in staff.get(detail_url(application)).content.decode()
    refused = staff.post(action_url("application-approve", application), follow=True).content.decode()
    assert "taken@example.jp" in refused
    application.refresh_from_db()
    assert application.status == S.SUBMITTED


def test_the_secretariat_mail_names_the_address_in_use(django_capture_on_commit_callbacks):
    program = ProgramFactory(variant="iwakuni", secretariat_email="office@example.jp")
    StaffFactory(facility=FacilityFactory(program=program), email="taken@example.jp")
    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(program=program, data=service_data(program),
                                    registrants=[row(1, admin=True, email="taken@example.jp")])
    to_office = next(m for m in mail.outbox if "office@example.jp" in m.to)
    to_applicant = next(m for m in mail.outbox if "contact@example.jp" in m.to)
    assert "taken@example.jp" in to_office.body and "taken@example.jp" not in to_applicant.body


# --- Stale pages explain themselves ---------------------------------------------------------


def test_an_approval_sent_after_another_member_rejected_says_what_when_and_who(client):
    program = ProgramFactory(variant="matsubara")
    application = ApplicationFactory(program=program)
    other = secretariat_of(program, user__full_name="事務 花子")
    services.application_reject(application=application, by=other, reason="対象地域外です")
    client.force_login(secretariat_of(program))
    response = client.post(action_url("application-approve", application))
    assert response.status_code == 409
    body = response.content.decode()
    when = timezone.localtime(application.events.get(kind=EventKind.REJECTED).created_at)
    assert "「承認」は行っていません" in body and "却下" in body and "事務 花子" in body
    assert when.strftime("%H:%M") in body and "対象地域外です" in body
    assert f'href="{detail_url(application)}"' in body and "権限がありません" not in body
    application.refresh_from_db()
    assert application.status == S.REJECTED and application.facility is None


@pytest.mark.parametrize("name", ["application-return", "application-reject"])
def test_a_return_or_rejection_after_an_approval_gets_the_stale_page(client, name):
    program = ProgramFactory(variant="matsubara")
    application = ApplicationFactory(program=program)
    services.application_approve(application=application, by=secretariat_of(program, user__full_name="承認 一郎"))
    client.force_login(secretariat_of(program))
    data = {"comment": "直してください", "deadline": (timezone.localdate() + datetime.timedelta(7)).isoformat(),
            "reason": "重複です"}
    response = client.post(action_url(name, application), data)
    assert response.status_code == 409 and "承認 一郎" in response.content.decode()


def test_decisions_pressed_twice_make_one_decision(client):
    program = ProgramFactory(variant="matsubara")
    application = ApplicationFactory(program=program)
    client.force_login(secretariat_of(program))
    target = action_url("application-reject", application)
    assert client.post(target, {"reason": "重複です"}).status_code == 302
    again = client.post(target, {"reason": "重複です"}, follow=True)
    assert again.status_code == 200 and "却下済みです" in again.content.decode()
    assert application.events.filter(kind=EventKind.REJECTED).count() == 1


def test_a_correction_sent_after_the_application_was_decided_explains_itself(client):
    program = ProgramFactory(variant="matsubara")
    application = ApplicationFactory(program=program, status=S.RETURNED,
                                     return_deadline=timezone.localdate() + datetime.timedelta(7))
    correct = reverse("enrollment:correct", args=[application.access_token])
    page = client.get(correct)
    assert page.status_code == 200
    services.application_reject(application=application, by=secretariat_of(program, user__full_name="事務 花子"),
                                reason="期限内に連絡がありませんでした")
    response = client.post(correct, post_data(program))
    assert response.status_code == 409
    body = response.content.decode()
    assert "却下" in body and "事務局" in body and "事務 花子" not in body  # members are not named to the public
    assert reverse("enrollment:follow", args=[application.access_token]) in body


# --- The queue's search -----------------------------------------------------------------------


def test_the_queue_is_searched_by_number_name_and_kana_typed_any_way(client, world):
    mirai = ApplicationFactory(program=world.program_a, facility_name="みらい在宅クリニック",
                               facility_name_kana="ミライザイタククリニック")
    hikari = ApplicationFactory(program=world.program_a, facility_name="ひかり薬局", facility_name_kana="ヒカリ ヤッキョク")
    ApplicationFactory(program=world.program_b, facility_name="みらい薬局", facility_name_kana="ミライヤッキョク")
    client.force_login(world.secretariat_a)
    target = reverse("enrollment:application-list", args=[world.program_a.slug])

    def found(q, **more):
        return {a.pk for a in client.get(target, {"q": q, **more}).context["page"]}

    assert found(hikari.receipt_number) == {hikari.pk}
    assert found(hikari.receipt_number.lower()) == {hikari.pk}
    assert found("在宅") == {mirai.pk}
    assert found("みらい") == {mirai.pk}  # the name, and カナ typed in ひらがな
    assert found("ざいたく") == {mirai.pk}  # ひらがな -> カタカナ
    assert found("ﾔｯｷｮｸ") == {hikari.pk}  # 半角カナ
    assert found("ヒカリ　ヤッキョク") == {hikari.pk}  # spaces typed inside the reading
    assert found("リヤッ") == {hikari.pk}  # or stored inside it
    assert found("やっきょく", status="returned") == set()
    assert found("") == {mirai.pk, hikari.pk}
    assert 'name="q"' in client.get(target).content.decode()


def test_the_searched_queue_query_count_does_not_grow(client, world, django_assert_max_num_queries):
    ApplicationFactory.create_batch(3, program=world.program_a, facility_name_kana="ミライ")
    client.force_login(world.secretariat_a)
    target = reverse("enrollment:application-list", args=[world.program_a.slug])
    client.get(target, {"q": "みらい"})  # warm up per-process caches
    with django_assert_max_num_queries(20) as few:
        client.get(target, {"q": "みらい"})
    ApplicationFactory.create_batch(30, program=world.program_a, facility_name_kana="ミライ")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(target, {"q": "みらい"}).context["page"]) == 33


# --- Separation of duties ---------------------------------------------------------------------


@pytest.mark.parametrize("where", ["registrant", "contact", "staff"])
def test_a_secretariat_member_cannot_approve_an_application_that_names_her(client, where):
    program = ProgramFactory(variant="matsubara")
    secretary = secretariat_of(program, user__email="jimu@example.jp")
    application = ApplicationFactory(program=program)
    if where == "registrant":
        RegistrantFactory(application=application, email="JIMU@example.jp")
    elif where == "contact":
        application.contact_email = "jimu@example.jp"
        application.save()
    else:  # her own ledger row under another address
        RegistrantFactory(application=application,
                          staff=StaffFactory(facility=FacilityFactory(program=program), user=secretary))
    client.force_login(secretary)
    response = client.post(action_url("application-approve", application), follow=True)
    assert "自分が関わる申込は承認・受付確認できません。別の事務局員に依頼してください" in response.content.decode()
    application.refresh_from_db()
    assert application.status == S.SUBMITTED
    services.application_approve(application=application, by=secretariat_of(program))  # a colleague may
    application.refresh_from_db()
    assert application.status == S.APPROVED


def test_separation_of_duties_holds_in_the_service_too():
    application = ApplicationFactory(program=ProgramFactory(variant="iwakuni"))
    me = UserFactory(email=application.registrants.get().email)
    with pytest.raises(services.ValidationError, match="自分が関わる申込"):
        services.application_approve(application=application, by=me)
