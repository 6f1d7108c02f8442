"""The printed forms carry the variant's 様式 number and title, names, and 和暦 dates (rendered for real)."""

import io

import pytest
from pypdf import PdfReader

from core.wareki import wareki
from facilities import pdfs, services
from facilities.models import ChangeNotice, DeviceReturn, RemovalReason, StaffStatus
from policy.rules import VARIANTS, profile
from tests.conftest import make_world
from tests.facilities.helpers import NOTICE_VARIANTS, PLEDGE_VARIANTS, TODAY

pytestmark = pytest.mark.django_db


def text_of(content):
    assert content.startswith(b"%PDF")
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).replace(" ", "")


def squeeze(value):
    return value.replace(" ", "")


@pytest.mark.parametrize("variant", PLEDGE_VARIANTS)
def test_the_staff_pledge_is_the_variants_form_prefilled(variant):
    world = make_world(variant_a=variant)
    form = profile(variant).form("staff_pledge")
    text = text_of(pdfs.staff_pledge_pdf(program=world.program_a, staff=world.staff_a))
    assert squeeze(form.title) in text and form.number in text
    assert squeeze(world.staff_a.full_name) in text and world.facility_a.name in text
    assert "第1版" in text
    assert squeeze(profile(variant).staff_pledge_text[0])[:20] in text


def test_the_blank_staff_pledge_has_no_name():
    world = make_world(variant_a="iwakuni")
    text = text_of(pdfs.staff_pledge_pdf(program=world.program_a))
    assert "業務情報保持に関する誓約書" in text and "様式3" in text
    assert squeeze(world.staff_a.full_name) not in text


@pytest.mark.parametrize("variant", NOTICE_VARIANTS)
def test_the_change_notice_is_the_variants_form_with_its_people(variant):
    world = make_world(variant_a=variant)
    added = services.staff_add(
        facility=world.facility_a, by=world.admin_a, full_name="追加 太郎", full_name_kana="ツイカ タロウ",
        job="pharmacist", email="added@example.jp",
    )
    services.staff_request_removal(
        staff=world.staff_a, by=world.admin_a, reason=RemovalReason.TRANSFERRED, effective_date=TODAY,
        devices_returned=DeviceReturn.RETURNED,
    )
    notice = services.notice_file(notice=ChangeNotice.objects.get(), by=world.admin_a)
    form = profile(variant).form("change_notice")
    text = text_of(pdfs.change_notice_pdf(program=world.program_a, notice=notice))
    assert squeeze(form.title) in text and form.number in text
    assert squeeze(added.full_name) in text and squeeze(world.staff_a.full_name) in text
    assert "異動" in text and wareki(TODAY) in text
    assert squeeze(profile(variant).application_receiver) in text


@pytest.mark.parametrize("variant", NOTICE_VARIANTS)
def test_the_blank_change_notice(variant):
    world = make_world(variant_a=variant)
    text = text_of(pdfs.change_notice_pdf(program=world.program_a))
    assert squeeze(profile(variant).form("change_notice").title) in text


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v not in NOTICE_VARIANTS])
def test_no_change_notice_where_the_variant_has_none(variant):
    world = make_world(variant_a=variant)
    with pytest.raises(pdfs.NoSuchForm):
        pdfs.change_notice_pdf(program=world.program_a)


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_ledger_names_the_variants_forms_and_everyone(variant):
    world = make_world(variant_a=variant)
    world.staff_a.status = StaffStatus.REMOVED
    world.staff_a.save()
    text = text_of(pdfs.ledger_pdf(facility=world.facility_a))
    p = profile(variant)
    for kind in ("staff_pledge", "change_notice"):
        if p.form(kind):
            assert squeeze(p.form(kind).title) in text
    assert "管理台帳" in text and world.facility_a.name in text
    assert squeeze(world.staff_a.full_name) in text and "削除済" in text


def test_unprintable_names_are_found_before_printing():
    assert pdfs.unprintable_names("𠮷田 太郎", "ヨシダ") == ["𠮷"]
    assert pdfs.unprintable_names("吉田 太郎") == []
