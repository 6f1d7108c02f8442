"""Forms of the staff ledger: validate and normalise what people type; the services act."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.forms import (
    REMOVAL_AHEAD_DAYS,
    START_AHEAD_DAYS,
    CheckedDateField,
    KanaField,
    NameField,
    PastDateField,
    PhoneField,
    PostalCodeField,
    ProseField,
    area_examples,
    printable,
)
from core.text import nfkc, paragraphs

from .ledger import (
    PLEDGE_FILTERS,
    SORTS,
    STATUS_FILTERS,
    login_email_elsewhere,
    notice_comes_first,
    same_name_staff,
)
from .models import (
    ChangeKind,
    DeviceReturn,
    Facility,
    NoticeStatus,
    PledgeKind,
    Program,
    RemovalReason,
    Staff,
    TrainingKind,
)

APPROVAL = "施設の承認日"
GENDERS = [("", "—"), ("男", "男"), ("女", "女")]
CHOOSE = "選択してください"


def staff_choice_label(staff):
    """A person in a tick-list: the e-mail tells apart two people of the same name and job."""
    return f"{staff.full_name}（{staff.get_job_display()}）{staff.email}"


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
        fields = ["name", "name_kana", "kind", "postal_code", "address", "phone", "fax", "representative"]
        field_classes = {
            "name": NameField, "name_kana": KanaField, "postal_code": PostalCodeField, "address": NameField,
            "phone": PhoneField, "fax": PhoneField, "representative": NameField,
        }
        # The postal code's and numbers' examples come from the facility's network (area_examples).
        help_texts = {"representative": "施設の開設者・院長など。例: 院長 山田 一郎"}


class FacilityDetailsForm(FacilityForm):
    """The administrator's change of the facility's registered details and of its MCS管理者."""

    admins = forms.ModelMultipleChoiceField(
        label="MCS管理者", queryset=Staff.objects.none(), widget=forms.CheckboxSelectMultiple, required=False,
        help_text="台帳の「MCS管理者」の印が変わります。ポータルの管理者の権限は別に付け外しします。",
    )
    changed_on = PastDateField(label="変更日")
    note = NameField(label="理由・備考", required=False, max_length=200, help_text="例: 移転のため、院長の交代")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        facility = self.instance
        admin_label = facility.program.policy.admin_label
        self.fields["admins"].label = admin_label
        self.fields["admins"].help_text = f"台帳の「{admin_label}」の印が変わります。ポータルの管理者の権限は別に付け外しします。"
        # The application form asks for both; a change must not leave the facility without an address.
        self.fields["postal_code"].required = True
        self.fields["address"].required = True
        area_examples(self, facility.program.policy)
        staff = Staff.objects.current().filter(facility=facility).order_by("full_name_kana", "pk")
        self.fields["admins"].queryset = staff
        self.fields["admins"].label_from_instance = staff_choice_label
        self.fields["admins"].initial = [s.pk for s in staff if s.is_admin]
        self.fields["changed_on"].initial = timezone.localdate()
        self.fields["changed_on"].not_before(facility.approved_on, APPROVAL)

    def service_kwargs(self):
        data = dict(self.cleaned_data)
        return {**data, "admins": list(data["admins"])}


class StaffForm(forms.ModelForm):
    """Add or correct a line of the ledger.

    The program-wide e-mail rule is checked here and again by the service (which also catches the race).
    """

    gender = forms.ChoiceField(label="性別", choices=GENDERS, required=False)

    class Meta:
        model = Staff
        fields = ["full_name", "full_name_kana", "gender", "job", "email", "is_admin", "started_on"]
        field_classes = {"full_name": NameField, "full_name_kana": KanaField}
        help_texts = {
            "email": "MCSのIDになります。1人に1つ、本人だけが使うアドレスにしてください（共用アドレスは使えません）。",
            "full_name_kana": "カタカナで（ひらがなで入れても直します）",
        }

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.program = program
        self.fields["full_name_kana"].required = True
        self.fields["job"].choices = [("", CHOOSE), *self.fields["job"].choices[1:]]
        # Registered ahead of a newcomer's first day at most; never before the facility joined.
        started = CheckedDateField(
            label=self.fields["started_on"].label, required=False, ahead_days=START_AHEAD_DAYS,
            help_text=f"{START_AHEAD_DAYS}日先までの日付を入れられます。",
        )
        started.not_before(self.instance.facility.approved_on if self.instance.facility_id else None, APPROVAL)
        self.fields["started_on"] = started

    def clean_email(self):
        email = nfkc(self.cleaned_data["email"]).replace(" ", "")
        taken = Staff.objects.current().filter(program=self.program, email__iexact=email)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        facility = self.instance.facility if self.instance.facility_id else None
        if taken.exists() or login_email_elsewhere(
            program=self.program, facility=facility, email=email, staff=self.instance
        ):
            raise forms.ValidationError(
                "このメールアドレスはすでにネットワーク内の別の職員が使っています。1人に1つ、本人だけが使うアドレスを"
                "登録してください。"
            )
        return email

    def possible_duplicates(self):
        """Current lines of the facility with the same 氏名 and カナ (spaces aside): perhaps the same person.

        A warning, not a refusal: two people of the same name do work together now and then.
        """
        data = self.cleaned_data
        if self.instance.pk or not self.instance.facility_id or not data.get("full_name") or not data.get(
            "full_name_kana"
        ):
            return []
        return list(same_name_staff(
            facility=self.instance.facility, full_name=data["full_name"], full_name_kana=data["full_name_kana"]
        ))


class RemovalForm(forms.Form):
    reason = forms.ChoiceField(label="理由", choices=RemovalReason.choices, widget=forms.RadioSelect)
    effective_date = CheckedDateField(label="削除日（退職・異動・担当を外れた日）")
    devices = forms.ChoiceField(label="貸与したIT機器", choices=DeviceReturn.choices, widget=forms.RadioSelect)
    self_withdrawn = forms.BooleanField(
        label="本人がすでにMCSを自分で退会している", required=False,
        help_text="分かる範囲で。退会済みでも、この手続きは必要です。",
    )

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.staff = staff
        date = self.fields["effective_date"]
        date.initial = timezone.localdate()
        if notice_comes_first(staff.program):
            # The removal waits for the notice, so it may be announced ahead of the last day.
            date.ahead_days = REMOVAL_AHEAD_DAYS
            date.help_text = f"前もって届け出るときは、{REMOVAL_AHEAD_DAYS}日先までの日付を入れられます。"
        date.not_before(staff.started_on, "利用開始日")
        date.not_before(staff.facility.approved_on, APPROVAL)


class PledgeForm(forms.Form):
    kind = forms.ChoiceField(label="記録すること", choices=PledgeKind.choices, widget=forms.RadioSelect)
    signed_on = PastDateField(label="署名日", help_text="省略のときは、既存の誓約書の日付")
    existing_pledge = ProseField(
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
    title = ProseField(label="内容", required=False, max_length=200, help_text="例: 個人情報保護とIT機器の取扱い")
    staff = forms.ModelMultipleChoiceField(
        label="受講した職員", queryset=Staff.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    note = ProseField(label="メモ", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, staff_queryset, policy, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff_queryset
        self.fields["staff"].label_from_instance = staff_choice_label
        before_use = policy.training_required_before_use
        self.fields["kind"].initial = TrainingKind.LECTURE if before_use else TrainingKind.EDUCATION
        self.fields["held_on"].initial = timezone.localdate()


class NoticeLineForm(forms.Form):
    """One line of a change notice the facility holds, corrected: its date, reason and note."""

    changed_on = CheckedDateField(label="変更日")
    reason = forms.ChoiceField(label="削除の理由", choices=RemovalReason.choices, widget=forms.RadioSelect)
    note = NameField(label="理由・備考", required=False, max_length=200)

    def __init__(self, *args, line, **kwargs):
        super().__init__(*args, **kwargs)
        self.line = line
        _line_date(self.fields["changed_on"], line.change, line.notice.facility, line.staff)
        if line.change == ChangeKind.REMOVE:
            self.fields["reason"].initial = line.staff.removal.reason
        else:
            del self.fields["reason"]


class NoticeLineAddForm(forms.Form):
    """A line the notice lacks: an addition or removal of someone, or a change said in words."""

    change = forms.ChoiceField(label="変更の種類", choices=ChangeKind.choices, widget=forms.RadioSelect)
    staff = forms.ModelChoiceField(
        label="職員", queryset=Staff.objects.none(), required=False, empty_label="（施設の登録事項の変更）",
    )
    changed_on = CheckedDateField(label="変更日")
    note = NameField(label="理由・備考（変更のときは、何をどう変更したか）", required=False, max_length=200)

    def __init__(self, *args, notice, **kwargs):
        super().__init__(*args, **kwargs)
        self.notice = notice
        self.fields["staff"].queryset = Staff.objects.filter(facility=notice.facility).order_by("full_name_kana", "pk")
        self.fields["changed_on"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        if "changed_on" in data and data.get("change"):
            # The same grace and floors as where the change is first made.
            field = self.fields["changed_on"]
            _line_date(field, data["change"], self.notice.facility, data.get("staff"))
            try:
                field.validate(data["changed_on"])
            except forms.ValidationError as exc:
                self.add_error("changed_on", exc)
        return data


def _line_date(field, change, facility, staff):
    """A notice line's date follows the rule of the date it stands for (利用開始日, 削除日, 変更日)."""
    if change == ChangeKind.ADD:
        field.ahead_days = START_AHEAD_DAYS
    elif change == ChangeKind.REMOVE:
        field.ahead_days = REMOVAL_AHEAD_DAYS if notice_comes_first(facility.program) else 0
        field.not_before(staff.started_on if staff else None, "利用開始日")
    field.not_before(facility.approved_on, APPROVAL)


class CorrectionForm(forms.Form):
    comment = ProseField(
        label="直してほしいところ", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class NoticeFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="状態", required=False, choices=[("", "確認待ちと差戻し"), *NoticeStatus.choices, ("all", "すべて")]
    )
    overdue = forms.BooleanField(label="期限を過ぎたものだけ", required=False)


class LinesField(forms.CharField):
    """A list typed one item a line (a textarea): each line NFKC, blank lines and repeats dropped.

    `line_pattern`/`line_error` refuse a line that does not fit, naming it ({line} in the message);
    `normalise` is applied to each line first.
    """

    widget = forms.Textarea(attrs={"rows": 4})

    def __init__(self, *, line_pattern=None, line_error="", max_line_length=50, normalise=nfkc, **kwargs):
        self.line_pattern, self.line_error, self.max_line_length = line_pattern, line_error, max_line_length
        self.normalise = normalise
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        lines = (self.normalise(line) for line in (value or "").splitlines())
        return list(dict.fromkeys(line for line in lines if line))

    def validate(self, value):
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")
        for line in value:
            if len(line) > self.max_line_length:
                raise ValidationError(f"「{line[:20]}…」が長すぎます。1行に{self.max_line_length}文字までです。")
            if self.line_pattern and not re.fullmatch(self.line_pattern, line):
                raise ValidationError(self.line_error.format(line=line), code="line")
            printable(line)


class ProgramSettingsForm(forms.ModelForm):
    """The program's settings the secretariat keeps (the variant itself is not among them).

    The phone-number choice is offered only where the variant publishes a facility list.
    """

    area_municipalities = LinesField(
        label="対象地域（市区町村）", help_text="1行に1つ。例: 武蔵村山市",
    )
    area_postal_prefixes = LinesField(
        label="対象地域（郵便番号の先頭）", max_line_length=7, line_pattern=r"\d{1,7}",
        normalise=lambda line: re.sub(r"[-ー−‐〒\s]", "", nfkc(line)),  # "208-00" means 20800
        line_error="郵便番号の先頭は数字だけで、1行に1つ入力してください（例: 208）。「{line}」は使えません。",
        help_text="1行に1つ、数字だけ（ハイフンなし）。例: 208（208-0001〜208-0035 などすべて）",
    )
    review_interval_days = forms.IntegerField(
        label="メンバー定期精査の間隔（日）", min_value=7, max_value=3650,
        help_text="患者グループのメンバーを見直す間隔です。例: 180",
    )
    education_interval_days = forms.IntegerField(
        label="職員教育の間隔（日）", min_value=7, max_value=3650, help_text="職員教育を受け直す間隔です。例: 365",
    )

    class Meta:
        model = Program
        fields = [
            "name", "secretariat_name", "secretariat_contact", "secretariat_email", "area_municipalities",
            "area_postal_prefixes", "review_interval_days", "education_interval_days", "public_list_shows_phone",
        ]
        field_classes = {"name": NameField, "secretariat_name": NameField, "secretariat_contact": ProseField}
        widgets = {"secretariat_contact": forms.Textarea(attrs={"rows": 3})}
        labels = {"name": "ネットワーク名（画面・書類に出る名前）"}
        help_texts = {
            "secretariat_contact": "申込者や施設に案内する連絡先です。例: 〒208-0004 武蔵村山市本町1-1 電話 042-000-0000",
            "secretariat_email": "申込・変更届などのお知らせが届くアドレスです。",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        policy = self.instance.policy
        # Examples from the network's own area, not another city's.
        self.fields["area_municipalities"].help_text = f"1行に1つ。例: {policy.municipality}"
        if policy.example_postal_code:
            head = policy.example_postal_code[:3]
            self.fields["area_postal_prefixes"].help_text = (
                f"1行に1つ、数字だけ（ハイフンなし）。例: {head}（{head}-0001 など、{head}で始まる郵便番号すべて）"
            )
            self.fields["secretariat_contact"].help_text = (
                f"申込者や施設に案内する連絡先です。例: 〒{policy.example_postal_code} {policy.municipality}（所在地）"
                f" 電話 {policy.example_phone}"
            )
        if not policy.publishes_facility_list:
            del self.fields["public_list_shows_phone"]
class PledgeTextForm(forms.Form):
    """The next version of a pledge's wording, edited as text: one clause per paragraph."""

    clauses = ProseField(
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
