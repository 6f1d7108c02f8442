"""The secretariat's import pages: who may open them, the preview, and the template download."""

import io

import openpyxl
import pytest
from django.urls import reverse

from facilities.models import Facility, Staff
from tests.factories import (
    FacilityFactory,
    ProgramFactory,
    StaffFactory,
    UserFactory,
    admin_of,
    coordinator_of,
    secretariat_of,
)
from tests.ledger_import.files import HEADER, person, upload, xlsx

pytestmark = pytest.mark.django_db

URLS = ("ledger_import:import", "ledger_import:import-template")


@pytest.fixture
def program():
    return ProgramFactory(variant="matsubara")


@pytest.fixture
def secretariat(client, program):
    client.force_login(secretariat_of(program))
    return client


@pytest.mark.parametrize("name", URLS)
def test_anonymous_goes_to_the_login_page(client, program, name):
    response = client.get(reverse(name, args=[program.slug]))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", [*URLS, "ledger_import:import-commit"])
def test_another_programs_secretariat_gets_404(client, program, name):
    client.force_login(secretariat_of(ProgramFactory()))
    url = reverse(name, args=[program.slug])
    assert client.get(url).status_code in (404, 405)
    assert client.post(url, {"file": upload("x.xlsx", xlsx([person(1)]))}).status_code == 404
    assert not Facility.objects.filter(program=program).exists()


@pytest.mark.parametrize("role", [admin_of, coordinator_of])
@pytest.mark.parametrize("name", [*URLS, "ledger_import:import-commit"])
def test_facility_roles_get_403(client, program, role, name):
    client.force_login(role(FacilityFactory(program=program)))
    url = reverse(name, args=[program.slug])
    assert client.get(url).status_code in (403, 405)
    assert client.post(url, {"file": upload("x.xlsx", xlsx([person(1)]))}).status_code == 403
    assert Facility.objects.filter(program=program).count() == 1


def test_commit_is_post_only(secretariat, program):
    assert secretariat.get(reverse("ledger_import:import-commit", args=[program.slug])).status_code == 405


def test_the_secretariat_sees_the_page_and_its_nav_entry(secretariat, program):
    response = secretariat.get(reverse("ledger_import:import", args=[program.slug]))
    assert response.status_code == 200
    assert f'href="{reverse("ledger_import:programs")}"' in response.content.decode()
    assert reverse("ledger_import:import-template", args=[program.slug]) in response.content.decode()
    programs = secretariat.get(reverse("ledger_import:programs")).content.decode()
    assert reverse("ledger_import:import", args=[program.slug]) in programs


def test_the_programs_page_and_nav_entry_are_the_secretariats_only(client, program):
    ProgramFactory(name="よそのネット")
    client.force_login(secretariat_of(program))
    page = client.get(reverse("ledger_import:programs")).content.decode()
    assert program.name in page and "よそのネット" not in page
    client.force_login(admin_of(FacilityFactory(program=program)))
    assert client.get(reverse("ledger_import:programs")).status_code == 403
    assert reverse("ledger_import:programs") not in client.get(reverse("home")).content.decode()
    client.force_login(UserFactory())
    assert client.get(reverse("ledger_import:programs")).status_code == 404


def test_the_preview_writes_nothing_and_offers_to_commit(secretariat, program):
    url = reverse("ledger_import:import", args=[program.slug])
    response = secretariat.post(url, {"file": upload("台帳.xlsx", xlsx([person(1), person(2, pledge_on="")]))})
    page = response.content.decode()
    assert response.status_code == 200
    assert "まだ何も書き込んでいません" in page and "取り込む</button>" in page
    assert "新規 1・更新 0・変更なし 0" in page and "新規 2・更新 0・変更なし 0" in page
    assert "登録準備中" in page
    assert not Facility.objects.filter(program=program).exists() and not Staff.objects.exists()


def test_preview_then_commit_then_the_same_file_again_is_all_unchanged(secretariat, program):
    url = reverse("ledger_import:import", args=[program.slug])
    content = xlsx([person(1), person(2)])
    page = secretariat.post(url, {"file": upload("台帳.xlsx", content)})
    token = page.context["token"]
    assert token and not Staff.objects.exists()
    done = secretariat.post(reverse("ledger_import:import-commit", args=[program.slug]), {"token": token}, follow=True)
    assert "「台帳.xlsx」を取り込みました。施設: 新規1・更新0・変更なし0、職員: 新規2・更新0・変更なし0。" in done.content.decode()
    assert Staff.objects.filter(program=program).count() == 2
    assert Staff.objects.get(email="person1@example.jp").history.earliest().history_user == page.wsgi_request.user
    replay = secretariat.post(reverse("ledger_import:import-commit", args=[program.slug]), {"token": token})
    assert replay.status_code == 302, "a committed upload cannot be committed twice"
    again = secretariat.post(url, {"file": upload("台帳.xlsx", content)})
    assert again.context["counts"]["staff_unchanged"] == 2 and again.context["counts"]["facilities_unchanged"] == 1


def test_a_preview_with_errors_lists_them_by_row_and_column_and_offers_no_commit(secretariat, program):
    url = reverse("ledger_import:import", args=[program.slug])
    response = secretariat.post(url, {"file": upload("台帳.xlsx", xlsx([person(1, postal_code="58"), person(2)]))})
    page = response.content.decode()
    assert "エラーがあるため取り込めません" in page and "取り込む</button>" not in page
    assert "郵便番号は7桁の数字で入力してください。" in page
    assert "import/commit" not in page


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("台帳.xlsx", b"%PDF-1.7\n", "PDFのファイルです"),
        ("台帳.xlsx", b"", "ファイルが空です"),
        ("台帳.xlsx", xlsx([], header=["メモ"]), "見出しの行が見つかりません"),
    ],
)
def test_files_that_are_no_ledger_are_refused_on_the_form(secretariat, program, name, content, message):
    response = secretariat.post(reverse("ledger_import:import", args=[program.slug]), {"file": upload(name, content)})
    assert response.status_code == 200 and message in response.content.decode()


def test_commit_without_a_previewed_file_writes_nothing(secretariat, program):
    response = secretariat.post(reverse("ledger_import:import-commit", args=[program.slug]), {"token": "guess"})
    assert response.status_code == 302 and response.url == reverse("ledger_import:import", args=[program.slug])
    assert not Facility.objects.filter(program=program).exists()


def test_the_template_downloads_as_xlsx(secretariat, program):
    response = secretariat.get(reverse("ledger_import:import-template", args=[program.slug]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADER


def test_uploads_never_committed_are_swept_after_a_day(secretariat, program, settings):
    import os
    import time

    url = reverse("ledger_import:import", args=[program.slug])
    secretariat.post(url, {"file": upload("a.xlsx", xlsx([person(1)]))})
    (kept,) = (settings.MEDIA_ROOT / "ledger_import").iterdir()
    two_days_ago = time.time() - 2 * 86400
    os.utime(kept, (two_days_ago, two_days_ago))
    other = secretariat_of(program)
    secretariat.force_login(other)  # another session: the first one's file is abandoned
    secretariat.post(url, {"file": upload("b.xlsx", xlsx([person(1)]))})
    names = [p.name for p in (settings.MEDIA_ROOT / "ledger_import").iterdir()]
    assert kept.name not in names and len(names) == 1


def test_the_preview_asks_the_database_the_same_number_of_times_for_any_size(
    secretariat, program, django_assert_max_num_queries
):
    url = reverse("ledger_import:import", args=[program.slug])
    StaffFactory(facility=FacilityFactory(program=program), email="person3@example.jp")
    with django_assert_max_num_queries(12) as small:
        secretariat.post(url, {"file": upload("a.xlsx", xlsx([person(1), person(2)]))})
    rows = [
        person(n, name=f"施設{n // 10}", address=f"大阪府松原市阿保{n // 10}", is_admin="○" if n % 10 == 0 else "")
        for n in range(10, 210)
    ]
    with django_assert_max_num_queries(len(small.captured_queries)):
        big = secretariat.post(url, {"file": upload("b.xlsx", xlsx(rows))})
    assert big.context["counts"]["errors"] == 0 and big.context["counts"]["facilities_create"] == 20
