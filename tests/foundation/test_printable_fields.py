"""Text that is printed or exported is refused when the printed forms' font cannot draw it, and
prose keeps what was typed: every free-text field of every form is one of core.forms' fields.

A plain CharField would let an emoji through to a PDF (where it prints as ☒ or fails) or a CSV;
a NameField on prose would turn 全角の括弧 into half-width ones.
"""

import importlib
import inspect

import pytest
from django import forms

from core.forms import KanaField, NameField, PhoneField, PostalCodeField, ProseField
from tests.conftest import make_world

APPS = ("accounts", "consent", "enrollment", "facilities", "groups", "oversight", "ledger_import")
CORE = (NameField, ProseField, KanaField, PhoneField, PostalCodeField)
# Never printed nor exported: what someone types to search, sign in or confirm.
NOT_PRINTED = {
    ("facilities.forms", "LedgerFilterForm", "q"),
    ("enrollment.forms", "QueueFilterForm", "q"),
    ("enrollment.forms", "ApplicationForm", "submission_key"),  # hidden: the double-submit key
    ("groups.forms", "MemberSearchForm", "q"),
    ("oversight.forms", "AssessForm", "affected_patient_numbers"),  # numbers only, checked in its clean
    ("oversight.forms", "IncidentForm", "affected_patient_numbers"),
}


def _text_fields():
    for app in APPS:
        try:
            module = importlib.import_module(f"{app}.forms")
        except ModuleNotFoundError:
            continue
        for name, form in inspect.getmembers(module, inspect.isclass):
            if not issubclass(form, forms.BaseForm) or form.__module__ != module.__name__:
                continue
            for field_name, field in form.base_fields.items():
                if type(field) is forms.CharField and not isinstance(field.widget, forms.PasswordInput):
                    yield module.__name__, name, field_name, field


def test_every_free_text_field_refuses_what_cannot_print():
    plain = [(m, f, n) for m, f, n, _ in _text_fields() if (m, f, n) not in NOT_PRINTED]
    assert plain == [], "use core.forms.NameField (names) or ProseField (free text) for these"


@pytest.mark.parametrize(("field", "typed", "kept"), [
    (ProseField(), "書庫（本館）。「写し」は、家族へ", "書庫（本館）。「写し」は、家族へ"),
    (NameField(), "ＡＢＣ訪問看護（本店）", "ABC訪問看護(本店)"),
])
def test_prose_keeps_its_punctuation_and_names_are_normalised(field, typed, kept):
    assert field.clean(typed) == kept


@pytest.mark.django_db
@pytest.mark.parametrize(("form", "data", "field"), [
    ("facilities.forms.StaffForm", {"full_name": "山田 花子😀", "full_name_kana": "ヤマダ ハナコ", "gender": "female",
                                    "job": "nurse", "email": "h@example.jp"}, "full_name"),
    ("groups.forms.CampaignForm", {"title": "令和7年度🎉", "scope": "all", "due_on": "2099-01-01"}, "title"),
    ("groups.forms.ArchiveForm", {"reason": "死亡のため🙏", "archived_on": "2025-01-01"}, "reason"),
    ("consent.forms.WithdrawForm", {"withdrawn_on": "2025-01-01", "note": "電話で😢"}, "note"),
    ("oversight.forms.NoticeForm", {"title": "お知らせ📢", "body": "本文"}, "title"),
])
def test_an_emoji_is_refused_with_a_japanese_message(form, data, field):
    module, name = form.rsplit(".", 1)
    cls = getattr(importlib.import_module(module), name)
    world = make_world()
    kwargs = {}
    params = inspect.signature(cls.__init__).parameters
    if "program" in params:
        kwargs["program"] = world.program_a
    if "secretariat" in params:
        kwargs["secretariat"] = True
    if "facility" in params:
        kwargs["facility"] = world.facility_a
    bound = cls(data, **kwargs)
    assert not bound.is_valid()
    assert "印刷できない文字" in " ".join(bound.errors.get(field, [])), bound.errors
