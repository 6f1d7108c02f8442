"""The application form (利用申込書), its registrant rows, and the secretariat's decision forms.

Forms normalise what people type (全角/半角, カナ, 郵便番号, 電話番号: core.forms fields) and say
in Japanese, next to the field, what to fix. Whether the policy allows the application is the
service's question (policy engine); core.forms.add_service_errors puts its answer on the form,
pointing at the fields named in `policy_fields`.
"""

import datetime
import secrets

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, Value
from django.db.models.functions import Replace
from django.urls import reverse
from django.utils import timezone

from core import text
from core.forms import (
    KanaField,
    NameField,
    PastDateField,
    PhoneField,
    PostalCodeField,
    ProseField,
    area_examples,
)
from facilities.models import FacilityKind

from . import postal
from .models import Application, ApplicationStatus, Registrant, status_label

MAX_REGISTRANTS = 50
RETURN_DAYS = 14


class ApplicationForm(forms.ModelForm):
    """The facility's part of the 利用申込書, shaped by the program's variant."""

    class Meta:
        model = Application
        fields = [
            "facility_name", "facility_name_kana", "facility_kind", "postal_code", "address", "phone", "fax",
            "contact_name", "contact_email", "out_of_area_reason", "invited_by",
            "pledge_agreed", "pledge_signer_name", "pledge_signed_on",
        ]
        field_classes = {
            "facility_name": NameField, "facility_name_kana": KanaField, "postal_code": PostalCodeField,
            "address": NameField, "phone": PhoneField, "fax": PhoneField, "pledge_signer_name": NameField,
            "pledge_signed_on": PastDateField,
            "contact_name": NameField, "out_of_area_reason": ProseField, "invited_by": ProseField,
        }
        labels = {"pledge_agreed": "上の誓約書の内容に同意します"}
        help_texts = {
            "facility_name_kana": "カタカナで（ひらがなで入力しても変換します）",
            "postal_code": "例: 580-0001。入力すると住所の町名までを自動で入れます。",
            "phone": "市外局番から。例: 072-123-4567",
            "fax": "例: 072-123-4568",
            "address": "番地・建物名まで入力してください。",
            "contact_email": "受付番号と、申込の状況を確認できるリンクをお送りします。",
            "out_of_area_reason": "対象地域の外にある事業所の場合、地域内の利用者のケアにどう関わるかを書いてください。",
            "invited_by": "患者グループに招待してくれた主治医や事業所の名前を書いてください。",
            "pledge_signer_name": "事業所の管理者の氏名",
        }
        widgets = {
            "postal_code": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code",
                                                  "placeholder": "580-0001", "size": 10}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "fax": forms.TextInput(attrs={"type": "tel"}),
            "out_of_area_reason": forms.Textarea(attrs={"rows": 3}),
        }

    # A fresh key per page shown: the same page sent twice is one application (services.AlreadySubmitted).
    submission_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.program = program
        self.fields["submission_key"].initial = secrets.token_urlsafe(24)
        policy = program.policy
        area_examples(self, policy)
        if policy.facility_pledge_text is None:
            for name in ("pledge_agreed", "pledge_signer_name", "pledge_signed_on"):
                del self.fields[name]
        else:
            self.fields["pledge_signed_on"].initial = timezone.localdate()
            self.fields["pledge_signed_on"].label = "誓約日"
        if policy.out_of_area == "not_written":
            del self.fields["out_of_area_reason"]
        if not policy.asks_inviter:
            del self.fields["invited_by"]
        # Filled in from the postal code when left blank (see clean()).
        self.fields["address"].required = False
        self.fields["address"].shown_required = True
        self.fields["postal_code"].widget.attrs["data-postal-url"] = reverse("enrollment:postal", args=[program.slug])
        self.fields["address"].widget.attrs["data-postal-target"] = "1"
        self.fields["facility_kind"].choices = [("", "選択してください"), *FacilityKind.choices]

    # Which field a blocking rule is about, to put a pointer next to it as well as at the top.
    policy_fields = {"APP-PLEDGE": "pledge_agreed", "APP-AREA": "out_of_area_reason", "APP-INVITE": "invited_by"}

    def clean_contact_name(self):
        return text.nfkc(self.cleaned_data["contact_name"])

    def clean_contact_email(self):
        return self.cleaned_data["contact_email"].strip().lower()

    def clean_invited_by(self):
        return text.nfkc(self.cleaned_data["invited_by"])

    def clean_out_of_area_reason(self):
        return self.cleaned_data["out_of_area_reason"].strip()

    def clean(self):
        data = super().clean()
        if "address" in data and not data["address"] and data.get("postal_code"):
            found = postal.lookup(data["postal_code"])
            if found:
                # Only the town is known from the code: ask for the rest instead of guessing.
                self.data = self.data.copy()
                self.data[self.add_prefix("address")] = found["address"]
                self.add_error("address", f"「{found['address']}」まで入れました。続けて番地・建物名を入力してください。")
        if "address" in data and not data["address"] and "address" not in self.errors:
            self.add_error("address", "住所を入力してください。")
        if data.get("pledge_agreed") and not data.get("pledge_signer_name"):
            self.add_error("pledge_signer_name", "誓約する管理者の氏名を入力してください。")
        if data.get("pledge_agreed") and not data.get("pledge_signed_on"):
            data["pledge_signed_on"] = timezone.localdate()
        return data


class RegistrantForm(forms.ModelForm):
    """One 登録者 row: a person who will get an MCS ID through the facility."""

    class Meta:
        model = Registrant
        fields = ["full_name", "full_name_kana", "gender", "email", "job", "is_admin"]
        field_classes = {"full_name": NameField, "full_name_kana": KanaField}
        labels = {"full_name": "氏名", "is_admin": "管理者に指定"}
        widgets = {"email": forms.EmailInput(attrs={"autocomplete": "off"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gender"].choices = [("", "—"), *self.fields["gender"].choices[1:]]
        self.fields["job"].choices = [("", "選択してください"), *self.fields["job"].choices[1:]]

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class BaseRegistrantFormSet(forms.BaseFormSet):
    default_error_messages = {
        "too_few_forms": "登録者を1人以上入力してください。",
        "too_many_forms": f"登録者は{MAX_REGISTRANTS}人までです。それより多い場合は事務局に相談してください。",
    }

    def rows(self):
        """The registrants typed, in order, leaving out rows marked 削除 and rows left empty."""
        return [
            {k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]

    def mark_repeated_emails(self):
        """Point at the rows whose address repeats. Whether an address is already someone's MCS ID
        is never said here (anyone can fill in this form): the secretariat sees that instead."""
        live = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        seen = {}
        for form in live:
            email = form.cleaned_data.get("email", "")
            seen[email] = seen.get(email, 0) + 1
        for form in live:
            if seen[form.cleaned_data.get("email", "")] > 1:
                form.add_error("email", "同じアドレスが別の行にもあります。1人に1つのアドレスを登録してください。")


RegistrantFormSet = forms.formset_factory(
    RegistrantForm, formset=BaseRegistrantFormSet, extra=0, min_num=1, validate_min=True,
    max_num=MAX_REGISTRANTS, validate_max=True, absolute_max=MAX_REGISTRANTS + 10, can_delete=True,
)

REGISTRANTS_PREFIX = "registrants"


def registrant_formset(data=None, *, application=None):
    initial = None
    if application is not None and data is None:
        initial = [
            {name: getattr(r, name) for name in RegistrantForm.Meta.fields}
            for r in application.registrants.order_by("position")
        ]
    return RegistrantFormSet(data, initial=initial, prefix=REGISTRANTS_PREFIX)


def with_extra_row(data):
    """The posted data with one more empty registrant row (the 行を追加 button without JavaScript)."""
    data = data.copy()
    key = f"{REGISTRANTS_PREFIX}-TOTAL_FORMS"
    try:
        total = int(data.get(key, "1"))
    except ValueError:
        total = 1
    data[key] = str(min(total + 1, MAX_REGISTRANTS))
    return data


class ReturnForm(forms.Form):
    comment = ProseField(
        label="差戻しの内容（申込者に伝わります）", widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )
    deadline = forms.DateField(label="再提出の期限", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deadline"].initial = timezone.localdate() + datetime.timedelta(days=RETURN_DAYS)

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline < timezone.localdate():
            raise ValidationError("期限は今日以降の日付にしてください。")
        return deadline


class RejectForm(forms.Form):
    reason = ProseField(
        label="却下の理由（申込者に伝わります）", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class WithdrawForm(forms.Form):
    reason = ProseField(
        label="取下げの理由（任意）", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )


class QueueFilterForm(forms.Form):
    q = forms.CharField(
        label="受付番号・施設名・カナ", required=False, max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "例: みらい、ミライ、2026-0012"}),
    )
    status = forms.ChoiceField(
        label="状態", required=False,
        choices=[("", "すべて"), ("awaiting", "審査待ち（再提出を含む）"), *ApplicationStatus.choices,
                 ("overdue", "再提出の期限切れ")],
    )
    kind = forms.ChoiceField(label="施設の種類", required=False, choices=[("", "すべて"), *FacilityKind.choices])
    received_from = forms.DateField(
        label="受付日（から）", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    received_to = forms.DateField(
        label="受付日（まで）", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, registration=False, statuses=None, **kwargs):
        """`registration`: the variant records 届出 (its words; `statuses`, the states it shows)."""
        super().__init__(*args, **kwargs)
        if registration:
            self.fields["status"].choices = [
                ("", "すべて"), ("awaiting", "確認待ち"),
                *[(value, status_label(value, registration=True)) for value in statuses or ApplicationStatus.values],
                ("unacknowledged", "受付確認待ち"),
            ]

    def filter(self, applications):
        """The queue narrowed by whatever was chosen; invalid choices are ignored, not errors."""
        if not self.is_valid():
            return applications
        data = self.cleaned_data
        if data["q"].strip():
            # Readings are compared without spaces, typed or stored.
            applications = applications.alias(
                kana_compact=Replace("facility_name_kana", Value(" "), Value(""))
            ).filter(self.search(data["q"]))
        if data["status"] == "awaiting":
            applications = applications.awaiting_review()
        elif data["status"] == "overdue":
            applications = applications.overdue_returns()
        elif data["status"] == "unacknowledged":
            applications = applications.filter(status=ApplicationStatus.APPROVED, acknowledged_at__isnull=True)
        elif data["status"]:
            applications = applications.filter(status=data["status"])
        if data["kind"]:
            applications = applications.filter(facility_kind=data["kind"])
        if data["received_from"]:
            applications = applications.filter(submitted_at__date__gte=data["received_from"])
        if data["received_to"]:
            applications = applications.filter(submitted_at__date__lte=data["received_to"])
        return applications

    @staticmethod
    def search(query):
        """受付番号, 施設名 or カナ containing what was typed; カナ typed in ひらがな or 半角 finds カタカナ."""
        words = text.nfkc(query)
        kana = text.katakana(query).replace(" ", "")
        found = Q(receipt_number__icontains=words) | Q(facility_name__icontains=words)
        if kana:
            found |= Q(kana_compact__icontains=kana)
        return found
