"""The pieces in core that every app uses: policy glue, CSV, e-mail, form fields, hooks."""

import datetime

import pytest
from django import forms
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from core import csv as core_csv
from core import emails
from core.forms import (
    KanaField,
    NameField,
    PastDateField,
    PhoneField,
    PostalCodeField,
    ProseField,
    add_service_errors,
)
from core.hooks import Hook
from core.services import PolicyBlocked, findings, warnings_or_raise
from policy.rules import Violation


def test_csv_guards_every_cell_and_writes_excel_lines():
    text = "".join(core_csv.csv_lines(["=名前"], [["=SUM(A1)", "+1", "-2", "@x", "普通", None, 3]]))
    assert text.startswith("\ufeff'=名前\r\n")
    assert text.endswith("'=SUM(A1),'+1,'-2,'@x,普通,,3\r\n")


def test_csv_streams_in_chunks():
    chunks = list(core_csv.csv_lines(["a"], ([n] for n in range(core_csv.CHUNK_ROWS * 2 + 1))))
    assert len(chunks) == 4  # header, two full chunks, the rest


def test_policy_blocks_raise_with_the_engine_message_once_and_warnings_come_back_as_records():
    block = Violation("R1", "block", "第3条", "できません（ポリシー第3条）。")
    warn = Violation("R2", "warn", "第4条", "確認してください（ポリシー第4条）。")
    with pytest.raises(PolicyBlocked) as caught:
        warnings_or_raise([warn, block], prefix="山田さん: ")
    assert caught.value.messages == ["山田さん: できません（ポリシー第3条）。"]
    assert caught.value.violations == [block]
    assert warnings_or_raise([warn]) == findings([warn]) == [
        {"rule": "R2", "severity": "warn", "article": "第4条", "message": "確認してください（ポリシー第4条）。"}
    ]


class _Form(forms.Form):
    policy_fields = {"R1": "kana"}
    kana = KanaField(required=False)
    phone = PhoneField(required=False)
    postal = PostalCodeField(required=False)
    name = NameField(required=False)
    note = ProseField(required=False)
    on = PastDateField(label="署名日", required=False)


def test_fields_normalise_identifiers_and_keep_prose():
    form = _Form({"kana": "やまだ ﾀﾛｳ", "phone": "０４８－５２３－１２３４", "postal": "３６００００１",
                  "name": "ＡＢＣ　クリニック", "note": "（全角の括弧）、句読点。"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["kana"] == "ヤマダ タロウ"
    assert form.cleaned_data["phone"] == "048-523-1234"
    assert form.cleaned_data["postal"] == "360-0001"
    assert form.cleaned_data["name"] == "ABC クリニック"
    assert form.cleaned_data["note"] == "（全角の括弧）、句読点。"


def test_fields_say_one_message_each():
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    form = _Form({"kana": "山田", "phone": "123", "postal": "12", "on": tomorrow.isoformat()})
    assert not form.is_valid()
    assert form.errors["kana"] == ["カタカナで入力してください（ひらがなで入力しても変換します）。"]
    assert form.errors["phone"] == ["電話番号は市外局番から10〜11桁で入力してください。"]
    assert form.errors["postal"] == ["郵便番号は7桁の数字で入力してください。"]
    assert form.errors["on"] == ["署名日に未来の日付は入れられません。"]


def test_a_phone_is_normalised_but_letters_are_refused_never_dropped():
    assert _Form({"phone": "048(523)1234"}).is_valid()
    form = _Form({"phone": "048(523)1234"})
    form.is_valid()
    assert form.cleaned_data["phone"] == "0485231234"
    for typed in ("abc", "abc0485231234", "048-523-1234 内線2"):
        form = _Form({"phone": typed})
        assert not form.is_valid() and form.errors["phone"] == ["電話番号は数字とハイフンで入力してください。"]


def test_printed_fields_refuse_what_the_font_cannot_draw():
    form = _Form({"name": "𠮷田", "note": "よろしく😀"})
    assert not form.is_valid()
    assert "「𠮷」は印刷できない文字です" in form.errors["name"][0]
    assert "「😀」は印刷できない文字です" in form.errors["note"][0]


def test_a_policy_block_goes_on_top_and_points_at_its_field():
    form = _Form({})
    assert form.is_valid()
    add_service_errors(form, PolicyBlocked([Violation("R1", "block", "第3条", "だめです（第3条）。")]))
    assert form.non_field_errors() == ["だめです（第3条）。"]
    assert form.errors["kana"] == ["ここを確認してください（上の説明をご覧ください）。"]


def test_a_service_error_on_a_field_lands_next_to_it():
    form = _Form({})
    assert form.is_valid()
    add_service_errors(form, ValidationError({"phone": "違います。", "unknown": "上に出ます。"}))
    assert form.errors["phone"] == ["違います。"] and form.non_field_errors() == ["上に出ます。"]


def test_hooks_take_exactly_their_arguments_and_undo():
    hook = Hook("test", args=("staff", "by"))

    def double(*, staff, by):
        return staff * 2

    undo = hook.connect(double)
    hook.connect(double)  # connected once however often it is connected
    assert hook.call(staff=2, by=None) == [4]
    with pytest.raises(TypeError, match="staff"):
        hook.call(staff=1)
    undo()
    assert hook.call(staff=2, by=None) == []


@pytest.mark.django_db(transaction=False)
def test_mail_is_plain_text_and_waits_for_the_commit(django_capture_on_commit_callbacks, settings):
    settings.SITE_URL = "https://portal.example.jp/"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        emails.send_after_commit(("件名 & <x>", "本文 & <x>", None, ["a@example.jp"]), ("誰にも", "", None, []))
    assert mail.outbox == [] and len(callbacks) == 1
    callbacks[0]()
    assert [(m.subject, m.body, m.to) for m in mail.outbox] == [("件名 & <x>", "本文 & <x>", ["a@example.jp"])]
    assert emails.absolute_url("home") == "https://portal.example.jp/"
