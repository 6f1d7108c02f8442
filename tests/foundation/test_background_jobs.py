"""Background jobs on a real engine (docs/decisions/0019-background-jobs.md): e-mail and big
reports leave the request; the database backend (the embedded default) runs them through
`manage.py db_worker`, the RQ backend through Redis when it runs here."""

import io
import re
import socket
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from core import emails, jobs
from core.models import PreparedFile
from core.tasks import send_mail
from groups.models import ReviewCampaign
from tests.factories import FacilityFactory, StaffFactory, admin_of, secretariat_of
from tests.groups.factories import GroupFactory, GroupReviewFactory

DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
REDIS_URL = "redis://127.0.0.1:6379/15"  # a database of its own, flushed by the test
RQ = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}


def run_database_worker():
    # The worker closes connections it thinks stale; inside the test's transaction (not in
    # autocommit) PostgreSQL's would be closed mid-test.
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)


def pdf_text(content):
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


@override_settings(TASKS=DATABASE)
def test_mail_waits_in_the_database_until_the_worker_sends_it(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        emails.send_after_commit(("件名", "本文", None, ["a@example.jp"]))
    assert mail.outbox == [] and DBTaskResult.objects.count() == 1
    run_database_worker()
    assert [(m.subject, m.to) for m in mail.outbox] == [("件名", ["a@example.jp"])]
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


@override_settings(TASKS=DATABASE)
def test_nothing_is_enqueued_when_the_transaction_rolls_back(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        emails.send_after_commit(("件名", "本文", None, ["a@example.jp"]))
    assert len(callbacks) == 1 and DBTaskResult.objects.count() == 0  # rolled back: never run


@pytest.fixture
def campaign(db):
    review = GroupReviewFactory()
    return review.campaign


@override_settings(TASKS=DATABASE, REPORT_JOB_THRESHOLD=0)
def test_a_big_campaign_report_is_made_by_a_job_and_fetched_from_its_ready_page(
    client, campaign, django_capture_on_commit_callbacks
):
    client.force_login(secretariat_of(campaign.program))
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.get(reverse("groups:campaign-report-pdf", args=[campaign.pk]))
    prepared = PreparedFile.objects.get()
    ready = reverse("groups:campaign-report-ready", args=[campaign.pk, prepared.pk])
    assert asked.status_code == 302 and asked["Location"] == ready
    waiting = client.get(ready)
    assert "作成中" in waiting.content.decode() and "状態を更新" in waiting.content.decode()
    assert client.get(ready + "?download")["Content-Type"] != "application/pdf"  # not yet

    run_database_worker()
    page = client.get(ready).content.decode()
    assert "できあがり" in page and "ダウンロード" in page and "状態を更新" not in page
    download = client.get(ready + "?download")
    assert download["Content-Type"] == "application/pdf" and "no-store" in download["Cache-Control"]
    assert "定期精査報告書" in pdf_text(download.content)
    assert "attachment" in download["Content-Disposition"]


@override_settings(REPORT_JOB_THRESHOLD=0)
def test_a_ready_page_shows_only_the_campaigns_own_file(client, campaign):
    other = GroupReviewFactory().campaign
    prepared = PreparedFile.objects.create(key=f"campaign-report:{other.pk}", filename="x.pdf",
                                           requested_by=secretariat_of(other.program))
    client.force_login(secretariat_of(campaign.program))
    assert client.get(reverse("groups:campaign-report-ready", args=[campaign.pk, prepared.pk])).status_code == 404


def test_a_failed_job_says_so_on_the_ready_page(client, campaign):
    user = secretariat_of(campaign.program)
    prepared = PreparedFile.objects.create(key=f"campaign-report:{campaign.pk}", filename="x.pdf", requested_by=user)

    def broken():
        raise RuntimeError("font cache gone")

    with pytest.raises(RuntimeError):
        jobs.fill_file(str(prepared.pk), broken)
    prepared.refresh_from_db()
    assert prepared.status == PreparedFile.Status.FAILED and "font cache gone" in prepared.error
    client.force_login(user)
    page = client.get(reverse("groups:campaign-report-ready", args=[campaign.pk, prepared.pk])).content.decode()
    assert "作成できませんでした" in page and "font cache gone" not in page


def test_a_small_campaign_report_is_still_rendered_in_the_request(client, campaign):
    client.force_login(secretariat_of(campaign.program))
    response = client.get(reverse("groups:campaign-report-pdf", args=[campaign.pk]))
    assert response["Content-Type"] == "application/pdf" and not PreparedFile.objects.exists()


def _redis_up():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
@override_settings(TASKS=RQ, RQ_QUEUES={"default": {"URL": REDIS_URL}})
def test_mail_goes_through_redis_with_the_rq_backend(db):
    import django_rq
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    queue = django_rq.get_queue("default", job_class=Job)
    queue.connection.flushdb()
    result = send_mail.enqueue([["件名", "本文", None, ["a@example.jp"]]])
    assert mail.outbox == [] and queue.count == 1
    SimpleWorker([queue], connection=queue.connection, job_class=Job).work(burst=True)
    assert [m.to for m in mail.outbox] == [["a@example.jp"]]
    assert send_mail.get_result(result.id).status == "SUCCESSFUL"
    queue.connection.flushdb()


@override_settings(TASKS=DATABASE, REPORT_JOB_THRESHOLD=2)
def test_a_big_ledger_is_made_by_a_job(db, client, django_capture_on_commit_callbacks):
    facility = FacilityFactory()
    StaffFactory.create_batch(3, facility=facility)
    client.force_login(admin_of(facility))
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.get(reverse("facilities:ledger-pdf", args=[facility.pk]))
    prepared = PreparedFile.objects.get(key=f"ledger:{facility.pk}")
    assert asked["Location"] == reverse("facilities:ledger-ready", args=[facility.pk, prepared.pk])
    run_database_worker()
    download = client.get(asked["Location"] + "?download")
    assert download["Content-Type"] == "application/pdf" and "管理台帳" in pdf_text(download.content)


@override_settings(TASKS=DATABASE, CAMPAIGN_JOB_THRESHOLD=1)
def test_a_big_review_round_is_started_by_a_job(db, client, django_capture_on_commit_callbacks):
    facility = FacilityFactory()
    for _ in range(2):
        GroupFactory(origin_facility=facility)
    program = facility.program
    client.force_login(secretariat_of(program))
    response = client.post(reverse("groups:campaign-create", args=[program.slug]),
                           {"scope": "all", "due_on": "2099-12-31", "title": "令和8年度の定期精査"})
    assert response["Location"] == reverse("groups:campaign-list", args=[program.slug])
    assert not ReviewCampaign.objects.exists()  # waiting for the worker
    with django_capture_on_commit_callbacks(execute=True):
        run_database_worker()
    campaign = ReviewCampaign.objects.get()
    assert campaign.title == "令和8年度の定期精査" and campaign.reviews.count() == 2
