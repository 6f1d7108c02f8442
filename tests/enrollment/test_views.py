"""The secretariat's pages: the decisions, the ledger export, the home panel (rungs: tests/enrollment/walk.py)."""

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from enrollment import services
from enrollment.models import ApplicationStatus
from facilities.models import FacilityStatus, StaffStatus
from tests.enrollment.factories import ApplicationFactory
from tests.enrollment.helpers import row, service_data
from tests.factories import FacilityFactory, ProgramFactory, StaffFactory, secretariat_of

pytestmark = pytest.mark.django_db

S = ApplicationStatus


def url(name, application):
    return reverse(f"enrollment:{name}", args=[application.program.slug, application.pk])


@pytest.fixture
def application(world):
    return ApplicationFactory(program=world.program_a)


# Every view at every rung (anonymous, outsider 404, wrong role 403, allowed, GET on POST-only 405)
# is in the access table, tests/enrollment/walk.py ACCESS, walked by tests/security/test_walk_roles.py.


def test_an_application_is_reached_only_through_its_own_program(client, world, application):
    client.force_login(world.insider_a)
    wrong = reverse("enrollment:application-detail", args=[world.program_b.slug, application.pk])
    assert client.get(wrong).status_code == 404


def test_queue_filters_and_counts(client, world):
    today = timezone.localdate()
    old = ApplicationFactory(program=world.program_a, facility_name="むかし薬局", facility_kind="pharmacy",
                             submitted_at=timezone.now() - datetime.timedelta(days=40))
    returned = ApplicationFactory(program=world.program_a, facility_name="もどし訪問看護", status=S.RETURNED,
                                  return_deadline=today - datetime.timedelta(days=1))
    fresh = ApplicationFactory(program=world.program_a, facility_name="あたらし診療所")
    ApplicationFactory(program=world.program_b, facility_name="よその診療所")
    client.force_login(world.secretariat_a)
    target = reverse("enrollment:application-list", args=[world.program_a.slug])

    def names(**query):
        page = client.get(target, query).context["page"]
        return {a.facility_name for a in page}

    assert names() == {old.facility_name, returned.facility_name, fresh.facility_name}
    assert names(status="returned") == {returned.facility_name}
    assert names(status="overdue") == {returned.facility_name}
    assert names(status="awaiting") == {old.facility_name, fresh.facility_name}
    assert names(kind="pharmacy") == {old.facility_name}
    assert names(received_from=(today - datetime.timedelta(days=7)).isoformat()) == {
        returned.facility_name, fresh.facility_name}
    assert names(received_to=(today - datetime.timedelta(days=30)).isoformat()) == {old.facility_name}
    assert names(status="nonsense") == {old.facility_name, returned.facility_name, fresh.facility_name}
    counts = {value: n for value, _, n in client.get(target).context["counts"]}
    assert counts["submitted"] == 2 and counts["returned"] == 1 and counts["approved"] == 0
    body = client.get(target).content.decode()
    assert "よその診療所" not in body and f"/p/{world.program_a.slug}/apply/" in body


def test_queue_query_count_does_not_grow(client, world, django_assert_max_num_queries):
    ApplicationFactory.create_batch(3, program=world.program_a)
    client.force_login(world.secretariat_a)
    target = reverse("enrollment:application-list", args=[world.program_a.slug])
    client.get(target)  # warm up per-process caches
    with django_assert_max_num_queries(20) as few:
        client.get(target)
    ApplicationFactory.create_batch(30, program=world.program_a, status=S.RETURNED,
                                    return_deadline=timezone.localdate())
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(target).context["page"]) == 33


def test_detail_query_count_does_not_grow_with_rows_and_events(client, world, django_assert_max_num_queries):
    from enrollment.models import ApplicationEvent, EventKind
    from tests.enrollment.factories import RegistrantFactory

    application = ApplicationFactory(program=world.program_a)
    client.force_login(world.secretariat_a)
    target = url("application-detail", application)
    client.get(target)
    with django_assert_max_num_queries(25) as few:
        client.get(target)
    RegistrantFactory.create_batch(20, application=application)
    for _ in range(10):
        ApplicationEvent.objects.create(application=application, kind=EventKind.RETURNED, from_status=S.SUBMITTED,
                                        to_status=S.RETURNED, actor=world.secretariat_a, comment="c")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(target).context["registrants"]) == 21


def test_detail_shows_findings_with_articles_and_the_history(client, world, application):
    application.findings = [{"rule": "APP-AREA", "severity": "warn", "article": "様式1", "message": "地域外です（様式1）。"}]
    application.save()
    client.force_login(world.secretariat_a)
    client.post(url("application-return", application),
                {"comment": "住所を番地まで", "deadline": (timezone.localdate() + datetime.timedelta(7)).isoformat()})
    body = client.get(url("application-detail", application)).content.decode()
    assert body.count("様式1") == 1 and "地域外です（様式1）。" in body
    assert "差戻し" in body and "住所を番地まで" in body and world.secretariat_a.full_name in body


def test_detail_lists_what_the_applicant_changed_on_resubmission(client, world):
    from enrollment import services
    from tests.enrollment.helpers import row, service_data

    application = services.application_submit(
        program=world.program_a, data=service_data(world.program_a), registrants=[row(1, admin=True)])
    services.application_return(application=application, by=world.secretariat_a, comment="名称を正式名で",
                                deadline=timezone.localdate())
    services.application_resubmit(application=application, registrants=[row(1, admin=True)],
                                  data=service_data(world.program_a, facility_name="医療法人 みらい在宅クリニック"))
    client.force_login(world.secretariat_a)
    changes = client.get(url("application-detail", application)).context["changes"]
    assert [c["fields"] for c in changes] == [["施設名"]]


def test_approve_by_post_enrolls_and_a_second_press_says_already_approved(
    client, world, application, django_capture_on_commit_callbacks
):
    client.force_login(world.secretariat_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("application-approve", application), follow=True)
    assert "承認しました" in response.content.decode()
    application.refresh_from_db()
    assert application.status == S.APPROVED and application.facility.status == FacilityStatus.ACTIVE
    again = client.post(url("application-approve", application), follow=True)
    assert "この申込は承認済みです（二重には行っていません）" in again.content.decode()
    notice = client.get(url("application-notice-pdf", application))
    assert notice.status_code == 200 and notice["Content-Type"] == "application/pdf"
    assert any(application.registrants.get().email in m.to for m in mail.outbox)


def test_a_refused_approval_shows_the_policy_message(client, world, application):
    StaffFactory(facility=world.facility_a, email=application.registrants.get().email)
    client.force_login(world.secretariat_a)
    body = client.post(url("application-approve", application), follow=True).content.decode()
    assert "実行できませんでした" in body and "第15条(2)" in body
    application.refresh_from_db()
    assert application.status == S.SUBMITTED


def test_return_with_errors_comes_back_with_them(client, world, application):
    client.force_login(world.secretariat_a)
    response = client.post(url("application-return", application), {"comment": "", "deadline": "2000-01-01"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "期限は今日以降の日付にしてください" in body and "必須" in body
    application.refresh_from_db()
    assert application.status == S.SUBMITTED


def test_reject_by_post(client, world, application, django_capture_on_commit_callbacks):
    client.force_login(world.secretariat_a)
    assert client.post(url("application-reject", application), {"reason": ""}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("application-reject", application), {"reason": "対象外の事業所です"})
    application.refresh_from_db()
    assert application.status == S.REJECTED
    assert any("対象外の事業所です" in m.body for m in mail.outbox)


def test_pledge_pdf_is_404_where_the_variant_has_no_pledge(client, world):
    from tests.factories import ProgramFactory, secretariat_of

    program = ProgramFactory(variant="chuo")
    application = ApplicationFactory(program=program, pledge_agreed=False)
    client.force_login(secretariat_of(program))
    assert client.get(url("application-pledge-pdf", application)).status_code == 404
    assert client.get(url("application-notice-pdf", application)).status_code == 404  # not approved yet


def test_ledger_csv_streams_utf8_with_bom_for_excel(client, world):
    FacilityFactory(program=world.program_a, number="T-0003", name="=HYPERLINK(\"x\")", approved_on=datetime.date(2025, 4, 1))
    StaffFactory(facility=world.facility_a)
    FacilityFactory.create_batch(1200, program=world.program_a)
    client.force_login(world.secretariat_a)
    response = client.get(reverse("enrollment:facility-ledger-csv", args=[world.program_a.slug]))
    assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
    chunks = list(response.streaming_content)
    assert len(chunks) > 2  # written out as it is read, not built up in memory first
    content = b"".join(chunks)
    assert content.startswith(b"\xef\xbb\xbf")
    lines = content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("施設番号,施設名,施設名カナ,施設の種類")
    assert len(lines) == 1 + 1200 + 3  # header, the batch, facility_a, facility_a2 and T-0003
    injected = next(line for line in lines if line.startswith("T-0003"))
    assert "'=HYPERLINK" in injected and "令和7年4月1日,2025/04/01" in injected
    row_a = next(line for line in lines if line.startswith(world.facility_a.number))
    assert row_a.endswith(",2")  # two active staff: the world's and the one above
    assert not any(line.startswith(f"{world.facility_b.number},") for line in lines)


def test_home_panel_counts_and_links(client, world):
    today = timezone.localdate()
    ApplicationFactory(program=world.program_a)
    ApplicationFactory(program=world.program_a, status=S.RESUBMITTED)
    ApplicationFactory(program=world.program_a, status=S.RETURNED, return_deadline=today - datetime.timedelta(1))
    ApplicationFactory(program=world.program_b)
    client.force_login(world.secretariat_a)
    response = client.get(reverse("home"))
    panel = next(p for p in response.context["panels"] if p.title.startswith(f"{world.program_a.name} 利用申込"))
    counts = {item.label: item.count for item in panel.items if item.count is not None}
    assert counts == {"審査待ち（再提出を含む）": 2, "差戻し中（申込者の修正待ち）": 1, "再提出の期限切れ": 1}
    links = {item.label: item.url for item in panel.items if item.count is None}
    # The public page is a link with its whole address; the network page lists every public address.
    apply_url = settings.SITE_URL.rstrip("/") + f"/p/{world.program_a.slug}/apply/"
    assert links["申込ページ（公開）を開く"] == apply_url
    assert links["公開ページのアドレス・ネットワークの設定"] == reverse("facilities:program-detail",
                                                                  args=[world.program_a.slug])
    body = response.content.decode()
    assert f'href="{apply_url}"' in body
    queue = reverse("enrollment:application-list", args=[world.program_a.slug])
    assert (f"{world.program_a.name} 利用申込", queue) in response.context["nav_items"]
    client.force_login(world.admin_a)
    assert not any("利用申込" in label for label, _ in client.get(reverse("home")).context["nav_items"])


# --- The variant's words ------------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["kumagaya", "musashimurayama"])
def test_the_approval_says_what_the_ledger_will_show(client, variant):
    program = ProgramFactory(variant=variant)
    application = ApplicationFactory(program=program)
    client.force_login(secretariat_of(program))
    page = client.get(url("application-detail", application)).content.decode()
    assert client.post(url("application-approve", application)).status_code == 302
    staff = application.registrants.get().staff
    if variant == "kumagaya":  # no staff pledge, no training first: they start at once
        assert "登録者を管理台帳に「利用中」で載せ" in page and "「登録準備中」" not in page
        assert staff.status == StaffStatus.ACTIVE and staff.started_on == timezone.localdate()
    else:
        assert "登録者を管理台帳に「登録準備中」で載せ（従事者誓約書の提出と利用開始前の研修の受講" in page
        assert staff.status == StaffStatus.PENDING


def test_a_registration_only_variant_shows_its_own_words_and_no_review_states(client):
    program = ProgramFactory(variant="chuo")
    application = services.application_submit(
        program=program, data=service_data(program), registrants=[row(1, admin=True), row(2)]
    )
    client.force_login(secretariat_of(program))
    queue = client.get(reverse("enrollment:application-list", args=[program.slug])).content.decode()
    assert "記録済み" in queue and "受付確認待ち" in queue
    for word in ("審査待ち", "差戻し", "再提出", "却下", "承認済み"):
        assert word not in queue, word
    detail = client.get(url("application-detail", application)).content.decode()
    assert "← " + program.name + " 利用届出の一覧" in detail and "記録済み" in detail
    assert "承認済み" not in detail and "審査待ち" not in detail and "申込を受付" not in detail
    home = client.get(reverse("home"))
    panel = next(p for p in home.context["panels"] if p.title.startswith(f"{program.name} 利用届出"))
    labels = [item.label for item in panel.items]
    assert "受付確認待ちの届出" in labels and not any("審査" in x or "差戻し" in x or "再提出" in x for x in labels)
    held = {item.label: item.count for item in panel.items}
    assert held["受付確認待ちの届出"] == 1
    unacknowledged = client.get(reverse("enrollment:application-list", args=[program.slug]),
                                {"status": "unacknowledged"})
    assert list(unacknowledged.context["page"]) == [application]


def test_the_queue_column_of_findings_is_named_and_never_blank(client, world, application):
    client.force_login(world.secretariat_a)
    page = client.get(reverse("enrollment:application-list", args=[world.program_a.slug])).content.decode()
    assert "<th>確認すること</th>" in page and "<th>ポリシー</th>" not in page


def test_public_pages_have_a_neutral_header_and_footer(client, db):
    program = ProgramFactory(variant="iwakuni")
    for name in ("enrollment:apply", "enrollment:public-facilities"):
        page = client.get(reverse(name, args=[program.slug])).content.decode()
        assert "要配慮個人情報" not in page and "事務局ポータル" not in page, name
        assert program.name in page and program.secretariat_name in page
