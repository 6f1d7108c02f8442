"""Forms of the staff ledger: validate and normalise what people type; the services act."""

from django import forms
from django.utils import timezone

from core.forms import KanaField, NameField, PastDateField, PhoneField, PostalCodeField, printable
from core.text import nfkc, paragraphs

from .ledger import PLEDGE_FILTERS, SORTS, STATUS_FILTERS
from .models import (
    DeviceReturn,
    Facility,
    NoticeStatus,
    PledgeKind,
    RemovalReason,
    Staff,
    TrainingKind,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
GENDERS = [("", "—"), ("男", "男"), ("女", "女")]


class LedgerFilterForm(forms.Form):
    q = forms.CharField(label="氏名・カナ・メール", required=False, widget=forms.TextInput(attrs={"type": "search"}))
    status = forms.ChoiceField(
        label="状態", required=False, choices=[(k, label) for k, (label, _) in STATUS_FILTERS.items()]
    )
    pledge = forms.ChoiceField(
        label="誓約書", required=False,
        choices=[("", "すべて")] + [(k, label) for k, (label, _) in PLEDGE_FILTERS.items()],
    )
    education = forms.BooleanField(label="教育の期限切れだけ", required=False)
    sort = forms.ChoiceField(
        label="並び順", required=False,
        choices=[(key, label) for key, (label, _) in SORTS.items()]
        + [(f"-{key}", f"{label}（逆順）") for key, (label, _) in SORTS.items()],
    )

    def clean_q(self):
        return nfkc(self.cleaned_data["q"])

    def filters(self):
        """Validated filters for ledger_staff(); anything invalid falls back to the default."""
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "q": data.get("q", ""), "status": data.get("status") or "current",
            "pledge": data.get("pledge", ""), "education": data.get("education", False),
            "sort": data.get("sort") or "kana",
        }


class FacilityForm(forms.ModelForm):
    """A facility's name, reading, kind, address and numbers, as facility_enroll() takes them."""

    class Meta:
        model = Facility
        fields = ["name", "name_kana", "kind", "postal_code", "address", "phone", "fax"]
        field_classes = {
            "name": NameField, "name_kana": KanaField, "postal_code": PostalCodeField, "address": NameField,
            "phone": PhoneField, "fax": PhoneField,
        }
        help_texts = {"postal_code": "例: 580-0001", "phone": "例: 072-123-4567", "fax": "例: 072-123-4568"}


class StaffForm(forms.ModelForm):
    """Add or correct a line of the ledger.

    The program-wide e-mail rule is checked here and again by the service (which also catches the race).
    """

    gender = forms.ChoiceField(label="性別", choices=GENDERS, required=False)

    class Meta:
        model = Staff
        fields = ["full_name", "full_name_kana", "gender", "job", "email", "is_admin", "started_on"]
        widgets = {"started_on": DATE}
        field_classes = {"full_name": NameField, "full_name_kana": KanaField}
        help_texts = {
            "email": "MCSのIDになります。1人に1つ、本人だけが使うアドレスにしてください（共用アドレスは使えません）。",
            "full_name_kana": "カタカナで（ひらがなで入れても直します）",
        }

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.program = program
        self.fields["full_name_kana"].required = True

    def clean_email(self):
        email = nfkc(self.cleaned_data["email"]).replace(" ", "")
        taken = Staff.objects.current().filter(program=self.program, email__iexact=email)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(
                "このメールアドレスはすでにネットワーク内の別の職員が使っています。1人に1つ、本人だけが使うアドレスを"
                "登録してください。"
            )
        return email


class RemovalForm(forms.Form):
    reason = forms.ChoiceField(label="理由", choices=RemovalReason.choices, widget=forms.RadioSelect)
    effective_date = forms.DateField(label="削除日（退職・異動・担当を外れた日）", widget=DATE)
    devices = forms.ChoiceField(label="貸与したIT機器", choices=DeviceReturn.choices, widget=forms.RadioSelect)
    self_withdrawn = forms.BooleanField(
        label="本人がすでにMCSを自分で退会している", required=False,
        help_text="分かる範囲で。退会済みでも、この手続きは必要です。",
    )

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.staff = staff
        self.fields["effective_date"].initial = timezone.localdate()

    def clean_effective_date(self):
        value = self.cleaned_data["effective_date"]
        started = self.staff.started_on
        if started and value < started:
            raise forms.ValidationError("利用開始日より前の日付は入れられません。")
        return value


class PledgeForm(forms.Form):
    kind = forms.ChoiceField(label="記録すること", choices=PledgeKind.choices, widget=forms.RadioSelect)
    signed_on = PastDateField(label="署名日", help_text="省略のときは、既存の誓約書の日付")
    existing_pledge = forms.CharField(
        label="既存の誓約書", required=False, max_length=200,
        help_text="省略するときだけ。例: 入職時の守秘義務に関する誓約書",
    )

    def __init__(self, *args, policy, **kwargs):
        super().__init__(*args, **kwargs)
        if not policy.pledge_exemption_allowed:
            self.fields["kind"].choices = [(PledgeKind.SIGNED, PledgeKind.SIGNED.label)]
            del self.fields["existing_pledge"]
        self.fields["kind"].initial = PledgeKind.SIGNED
        self.fields["signed_on"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        if data.get("kind") == PledgeKind.EXEMPT and not nfkc(data.get("existing_pledge", "")):
            self.add_error("existing_pledge", "省略するときは、すでに交わしている誓約書の名前を書いてください。")
        return data


class TrainingForm(forms.Form):
    kind = forms.ChoiceField(label="種類", choices=TrainingKind.choices, widget=forms.RadioSelect)
    held_on = PastDateField(label="実施日")
    title = NameField(label="内容", required=False, max_length=200, help_text="例: 個人情報保護とIT機器の取扱い")
    staff = forms.ModelMultipleChoiceField(
        label="受講した職員", queryset=Staff.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(label="メモ", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, staff_queryset, policy, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff_queryset
        self.fields["staff"].label_from_instance = lambda s: f"{s.full_name}（{s.get_job_display()}）"
        before_use = policy.training_required_before_use
        self.fields["kind"].initial = TrainingKind.LECTURE if before_use else TrainingKind.EDUCATION
        self.fields["held_on"].initial = timezone.localdate()


class CorrectionForm(forms.Form):
    comment = forms.CharField(
        label="直してほしいところ", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class NoticeFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="状態", required=False, choices=[("", "確認待ちと差戻し"), *NoticeStatus.choices, ("all", "すべて")]
    )
    overdue = forms.BooleanField(label="期限を過ぎたものだけ", required=False)


class PledgeTextForm(forms.Form):
    """The next version of a pledge's wording, edited as text: one clause per paragraph."""

    clauses = forms.CharField(
        label="条文", widget=forms.Textarea(attrs={"rows": 24}),
        help_text="1条ごとに空行で区切ります。条の中の改行（①②③、1 2 3 の項）はそのまま印刷します。",
        error_messages={"required": "条文を1つ以上入力してください。"},
    )

    def clean_clauses(self):
        clauses = paragraphs(self.cleaned_data["clauses"])
        if not clauses:
            raise forms.ValidationError("条文を1つ以上入力してください。")
        printable("".join(clauses))
        return clauses


class RepledgeForm(forms.Form):
    """Whom to ask to sign the version in force again (staff who signed an older one)."""

    staff = forms.ModelMultipleChoiceField(
        label="再署名をお願いする職員", queryset=Staff.objects.none(), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "職員を1人以上選んでください。"},
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = Staff.objects.filter(pk__in=[s.pk for s in candidates])
