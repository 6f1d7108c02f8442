"""Form fields and helpers every app shares: one カナ, phone, postal code, printable-text and
date field, each with one message, and the one way a service's error reaches a form.

Identifiers (カナ, numbers, postal codes, phones) are normalised (全角→半角, ひらがな→カタカナ);
prose keeps what the person typed, full-width punctuation included. Text that is printed or
exported is refused when the printed forms' font cannot draw it.
"""

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from core import text
from core.pdf import JapaneseFontMissing, unprintable
from core.wareki import wareki

KANA_ERROR = "カタカナで入力してください（ひらがなで入力しても変換します）。"
PHONE_ERROR = "電話番号は市外局番から10〜11桁で入力してください。"
PHONE_CHARS_ERROR = "電話番号は数字とハイフンで入力してください。"
POSTAL_ERROR = "郵便番号は7桁の数字で入力してください。"
FUTURE_ERROR = "{label}に未来の日付は入れられません。"
AHEAD_ERROR = "{label}は{days}日先（{limit}）までの日付にしてください。"
BEFORE_ERROR = "{label}を{what}（{floor}）より前の日付にはできません。"

# How far ahead a typed date may lie, per kind of date (docs/decisions/0015): registration ahead of
# a newcomer's first day; a removal announced ahead only where the notice comes before the removal
# (the form passes REMOVAL_AHEAD_DAYS then, else 0: the removal takes effect at once).
START_AHEAD_DAYS = 14
REMOVAL_AHEAD_DAYS = 31


def printable(value):
    """Refuse characters the printed forms' font cannot draw (e.g. 𠮷), naming them."""
    try:
        missing = unprintable(value)
    except JapaneseFontMissing:
        return value  # printing reports the missing font itself; typing must not fail for it
    if missing:
        chars = "」「".join(missing)
        raise ValidationError(f"「{chars}」は印刷できない文字です。常用の字体（例: 𠮷→吉）で入力してください。")
    return value


class NameField(forms.CharField):
    """A name or other one-line text that is printed: NFKC (全角英数→半角, ｶﾅ→カナ), printable."""

    def to_python(self, value):
        return text.nfkc(super().to_python(value))

    def validate(self, value):
        super().validate(value)
        printable(value)


class ProseField(forms.CharField):
    """Free text that is printed or exported: kept as typed (全角の括弧・句読点も), printable."""

    def validate(self, value):
        super().validate(value)
        printable(value)


class KanaField(forms.CharField):
    """A reading, kept in full-width katakana whatever was typed (ひらがな, ｶﾀｶﾅ)."""

    def to_python(self, value):
        return text.katakana(super().to_python(value))

    def validate(self, value):
        super().validate(value)
        if value and not text.is_katakana(value):
            raise ValidationError(KANA_ERROR, code="kana")


class PhoneField(forms.CharField):
    """A phone or FAX number: digits and hyphens, 10 or 11 digits. Full-width digits, long dashes,
    spaces and brackets (048(523)1234) are normalised as before; anything else (letters) is refused, never
    dropped: 「abc」 must not become an empty number."""

    def to_python(self, value):
        value = re.sub(r"[\s()]", "", text.nfkc(super().to_python(value)))
        return re.sub(r"[ー‐−–—]", "-", value)

    def validate(self, value):
        super().validate(value)
        if value and not re.fullmatch(r"[0-9-]+", value):
            raise ValidationError(PHONE_CHARS_ERROR, code="phone")
        if value and not 10 <= len(re.sub(r"\D", "", value)) <= 11:
            raise ValidationError(PHONE_ERROR, code="phone")


class PostalCodeField(forms.CharField):
    """'1234567', '１２３－４５６７' -> '123-4567'."""

    def to_python(self, value):
        raw = super().to_python(value)
        return text.postal_code(raw) or raw

    def validate(self, value):
        super().validate(value)
        if value and not re.fullmatch(r"\d{3}-\d{4}", value):
            raise ValidationError(POSTAL_ERROR, code="postal_code")


class DateInput(forms.DateInput):
    """The browser's date picker; the value travels as ISO 8601."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class CheckedDateField(forms.DateField):
    """A date a person types, checked against reality: no later than `ahead_days` from today
    (0: today at the latest) and not before the floors the form sets once it knows them
    (`not_before(date, what)`: the facility's approval, the patient's birth, a start date)."""

    widget = DateInput

    def __init__(self, *, ahead_days=0, **kwargs):
        self.ahead_days = ahead_days
        self.floors = []
        super().__init__(**kwargs)

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.floors = list(self.floors)
        return result

    def not_before(self, date, what):
        if date is not None:
            self.floors.append((date, what))

    def validate(self, value):
        super().validate(value)
        if not value:
            return
        label = self.label or "日付"
        limit = timezone.localdate() + datetime.timedelta(days=self.ahead_days)
        if value > limit:
            if self.ahead_days:
                raise ValidationError(
                    AHEAD_ERROR.format(label=label, days=self.ahead_days, limit=wareki(limit)), code="future"
                )
            raise ValidationError(FUTURE_ERROR.format(label=label), code="future")
        for floor, what in self.floors:
            if value < floor:
                raise ValidationError(
                    BEFORE_ERROR.format(label=label, what=what, floor=wareki(floor)), code="too_early"
                )


class PastDateField(CheckedDateField):
    """A date that has happened (生年月日, 署名日, 研修日): today at the latest."""

    def __init__(self, **kwargs):
        super().__init__(ahead_days=0, **kwargs)


_PHONE_EXAMPLE = re.compile(r"0\d{1,4}-\d{1,4}-\d{3,4}")
_POSTAL_EXAMPLE = re.compile(r"\d{3}-\d{4}")


def area_examples(form, policy):
    """The examples on postal code, phone and FAX fields come from the network's own area (its
    policy profile's `example_postal_code`/`example_phone`), never from another city's."""
    phone = policy.example_phone
    fax = f"{phone[:-1]}{(int(phone[-1]) + 1) % 10}" if phone else ""
    for name, example, pattern in (("postal_code", policy.example_postal_code, _POSTAL_EXAMPLE),
                                   ("phone", phone, _PHONE_EXAMPLE), ("fax", fax, _PHONE_EXAMPLE)):
        field = form.fields.get(name)
        if field is None or not example:
            continue
        field.help_text = pattern.sub(example, field.help_text) if pattern.search(field.help_text or "") else (
            f"例: {example}")
        if "placeholder" in field.widget.attrs:
            field.widget.attrs["placeholder"] = example


def delegate_hint(form, violation, rule, field="by_doctor_delegate"):
    """The `policy_hint` of a form with a 「主治医の指示を受けて…」 box: a block of `rule` (only the
    primary doctor or whom they delegate may act) is cleared by ticking the box, when it is
    offered and left unticked."""
    if violation.rule != rule or field not in form.fields or form.cleaned_data.get(field):
        return None
    label = form.fields[field].label
    return field, f"主治医から委託・指示を受けているときは「{label}」に✓を入れてください。"


def add_service_errors(form, error):
    """A service's ValidationError goes back onto the form, next to the field when the form has it.

    A PolicyBlocked (core.services) is shown at the top, message and article, and a pointer is
    put next to the field a rule is about when the form names it in `policy_fields`
    ({rule id: field name}). Where a field on the form itself would clear the block (a box left
    unticked), the form's `policy_hint(violation)` returns (field name, what to do) to put there.
    """
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return
    form.add_error(None, error)
    pointers = getattr(form, "policy_fields", {})
    hint = getattr(form, "policy_hint", lambda violation: None)
    for violation in getattr(error, "violations", ()):
        if (pointed := hint(violation)) is not None:
            form.add_error(*pointed)
            continue
        name = pointers.get(violation.rule)
        if name in form.fields and name not in form.errors:
            form.add_error(name, "ここを確認してください（上の説明をご覧ください）。")
