"""Journey (issue 16): a facility administrator reports a lost phone; the secretariat, told by
e-mail, sees the APPI deadlines, records the actions and the days the facility reported to the
PPC and told the patients, and closes the report."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from oversight.models import Incident, IncidentStatus
from tests.browser.helpers import (
    SECRETARIAT_EMAIL,
    facility_with_admin,
    field,
    link_in,
    mail_to,
    program_run_by_secretariat,
    said,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("variant", ["iwakuni", "kumagaya"])
def test_a_lost_phone_is_reported_worked_and_closed(journey, variant):
    program, secretary = program_run_by_secretariat(variant)
    facility, admin_user = facility_with_admin(program)
    today = timezone.localdate()
    discovered = today - datetime.timedelta(days=1)

    admin = journey.open("admin")
    sign_in(admin, admin_user)
    admin.get_by_role("link", name="トラブル・インシデントを報告する（紛失・盗難、不正アクセス、誤送信など）").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("トラブル・インシデントを報告する")
    expect(admin.locator(".note-box")).to_contain_text("施設（個人情報を取り扱う事業者）が行います")
    admin.get_by_label("端末の紛失・盗難").check()
    field(admin, "発覚日（気づいた日）").fill(discovered.isoformat())
    field(admin, "本人に代わって報告するときは、本人の氏名・職種").fill("訪問 看子（看護師）")
    field(admin, "何が起きたか（いつ・どこで・何が）").fill("訪問の帰りに、MCSを入れた業務用スマートフォンを紛失した。")
    field(admin, "すでに行った対応").fill("MDMで遠隔消去を実行した。")
    field(admin, "影響を受けたおそれのある患者（患者番号をカンマ区切り）").fill("P-101、P-102")
    field(admin, "影響を受けたおそれのある人数（分かる範囲で）").fill("2")
    admin.steps.shot("report")
    admin.get_by_role("button", name="報告する").click()
    expect(said(admin, "報告を受け付けました")).to_be_visible()
    incident = Incident.objects.get()
    expect(admin.get_by_role("heading", level=1)).to_contain_text(incident.number)
    expect(admin.get_by_role("row").filter(has_text="個人情報保護委員会への速報")).to_contain_text("あと4日")
    admin.steps.shot("reported")

    message = mail_to(SECRETARIAT_EMAIL, "トラブル報告登録")
    assert "P-101" not in message.subject and incident.number in message.subject
    secretariat = journey.open("secretariat")
    sign_in(secretariat, secretary)
    secretariat.goto(link_in(message, f"/incidents/{incident.pk}/"))
    expect(secretariat.get_by_role("row").filter(has_text="個人情報保護委員会への確報")).to_contain_text("あと29日")
    expect(secretariat.get_by_role("row").filter(has_text="施設")).to_contain_text(facility.name)
    secretariat.steps.shot("deadlines")

    secretariat.get_by_role("link", name="対応を記録する").click()
    field(secretariat, "対応").select_option(label="MCSのパスワード変更")
    field(secretariat, "実施日").fill(today.isoformat())
    field(secretariat, "内容").fill("本人のMCSパスワードを変更した")
    secretariat.get_by_role("button", name="記録する").click()
    expect(said(secretariat, "対応を記録しました")).to_be_visible()

    for step in ("個人情報保護委員会への速報", "本人への通知", "個人情報保護委員会への確報"):
        secretariat.get_by_role("link", name="報告・通知をした日を記録する").click()
        secretariat.get_by_label(step).check()
        field(secretariat, "実施日").fill(today.isoformat())
        secretariat.get_by_role("button", name="記録する").click()
        expect(said(secretariat, "実施日を記録しました")).to_be_visible()
    secretariat.steps.shot("steps-done")

    secretariat.get_by_role("link", name="完了にする").click()
    field(secretariat, "完了のメモ（結果・再発防止策など）").fill("端末にストラップを付けることにした。")
    secretariat.get_by_role("button", name="完了にする").click()
    expect(said(secretariat, "報告を完了にしました")).to_be_visible()
    expect(secretariat.get_by_role("table").last).to_contain_text("MCSのパスワード変更")
    secretariat.steps.shot("closed")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED and incident.final_done_on == today
