"""Forms of the consent app: validate and normalise what people type; the services act."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.forms import (
    DateInput,
    KanaField,
    NameField,
    PastDateField,
    PhoneField,
    PostalCodeField,
    ProseField,
    area_examples,
    delegate_hint,
    printable,
)
from core.text import nfkc, paragraphs
from facilities.models import Facility, JobType, Staff, StaffStatus

from . import scans
from .defaults import asks_target_patients
from .models import ConsentTemplate, Gender, Patient


def checked_scan(scan):
    if scan:
        error = scans.scan_error(scan)
        if error:
            raise ValidationError(error)
    return scan


class PatientForm(forms.ModelForm):
    # Asked only when the patient may already be registered (patient_form.html shows it next to
    # the possible duplicates), and kept only when 「別の人として登録する」 was pressed.
    distinct_reason = ProseField(
        label="別の人として登録する理由", required=False, max_length=200,
        help_text="例: 同姓同名・同じ生年月日だが住所と家族が違う別人",
    )

    class Meta:
        model = Patient
        fields = [
            "full_name", "full_name_kana", "birth_date", "gender", "postal_code", "address", "phone",
            "origin_facility", "primary_doctor", "group_leader", "doctor_visits_home",
        ]
        field_classes = {
            "full_name": NameField, "full_name_kana": KanaField, "birth_date": PastDateField,
            "postal_code": PostalCodeField, "address": NameField, "phone": PhoneField,
        }
        widgets = {"birth_date": DateInput, "gender": forms.RadioSelect}
        help_texts = {"full_name_kana": "カタカナ（ひらがなで入力しても変換します）", "phone": "例: 072-123-4567"}

    def __init__(self, *args, program, **kwargs):
        kwargs.setdefault("instance", Patient(program=program))
        super().__init__(*args, **kwargs)
        self.program = program
        # Required, with 「その他・記載しない」 for whoever would rather not say: no blank radio
        # (「---------」) to be ticked by default, and none ticked before the user chooses.
        self.fields["gender"].choices = Gender.choices
        staff = Staff.objects.filter(program=program).select_related("facility")
        keep = [pk for pk in (self.instance.primary_doctor_id, self.instance.group_leader_id) if pk]
        current = staff.exclude(status=StaffStatus.REMOVED) | staff.filter(pk__in=keep)
        self.fields["origin_facility"].queryset = Facility.objects.filter(program=program).approved()
        self.fields["primary_doctor"].queryset = current.filter(job=JobType.DOCTOR)
        self.fields["group_leader"].queryset = current
        policy = program.policy
        area_examples(self, policy)
        if "group_leader" not in policy.consent_obtainer_roles + policy.group_manager_roles:
            del self.fields["group_leader"]
        else:
            self.fields["group_leader"].help_text = "患者グループを作る前に同意を取得する人です。"
        self.fields["origin_facility"].help_text = f"同意を取得できるのは{policy.consent_obtainer_label}です。"

    def clean_birth_date(self):
        value = self.cleaned_data["birth_date"]
        if value and value.year < 1900:
            raise ValidationError("生年月日を確認してください。")
        return value

    @property
    def as_distinct(self):
        """「別の人として登録する」 was pressed (a submit button of its own, not a checkbox)."""
        return "distinct_reason" in self.fields and bool(self.data.get("as_distinct"))

    def visible_fields(self):
        return [field for field in super().visible_fields() if field.name != "distinct_reason"]

    def clean(self):
        data = super().clean()
        if "distinct_reason" in self.fields and not self.as_distinct:
            data["distinct_reason"] = ""  # a reason counts only with the deliberate button
        return data


class PatientUpdateForm(PatientForm):
    distinct_reason = None  # asked at registration only
    class Meta(PatientForm.Meta):
        fields = [*PatientForm.Meta.fields, "status", "status_on"]
        field_classes = {**PatientForm.Meta.field_classes, "status_on": PastDateField}
        widgets = {**PatientForm.Meta.widgets, "status_on": DateInput}
        help_texts = {**PatientForm.Meta.help_texts, "status_on": "療養中以外にするときに入力します。"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status_on"].not_before(self.instance.birth_date, "生年月日")


class PatientSearchForm(forms.Form):
    kana = KanaField(label="カナ", required=False, max_length=100)
    birth_date = forms.DateField(label="生年月日", required=False, widget=DateInput)


FAMILY_FIELDS = (("name", "氏名"), ("relationship", "続柄"), ("address", "住所"))


class ConsentForm(forms.Form):
    """The signed paper, typed in. Family rows are numbered fields, so the page works without JavaScript."""

    template = forms.ModelChoiceField(label="署名した同意書の版", queryset=ConsentTemplate.objects.none(), required=False)
    signed_on = PastDateField(label="同意日")
    patient_signed = forms.BooleanField(label="患者本人が署名した", required=False, initial=True)
    proxy_name = NameField(label="代理人の氏名", required=False, max_length=100)
    proxy_relationship = NameField(label="代理人と患者の関係", required=False, max_length=50,
                                   help_text="例: 長男、成年後見人")
    by_doctor_delegate = forms.BooleanField(required=False)
    doctor_deems_necessary = forms.BooleanField(
        label="主治医が情報共有を必要と認めた", required=False,
        help_text="訪問診療・往診を受けていない患者は、主治医が必要と認めた場合に限り対象になります。",
    )
    original_kept_at = ProseField(label="原本の保管場所", max_length=200)
    copy_given = forms.BooleanField(label="同意書の控え（写し）を患者・家族に渡した", required=False)
    is_prior = forms.BooleanField(
        label="ポータル導入前に交わした同意を記録する", required=False,
        help_text="すでに同意を得てMCSで情報共有している患者の場合です。新しい同意書は要りません。",
    )
    scan = forms.FileField(label="署名済み同意書のスキャン", required=False, help_text="PDF・JPEG・PNG、5MBまで")

    def __init__(self, *args, patient, templates, current, kept_at="", **kwargs):
        super().__init__(*args, **kwargs)
        program = patient.program
        policy = program.policy
        self.patient = patient
        self.family_count = max(2, policy.consent_min_family_signers)
        for i in range(1, self.family_count + 1):
            for key, label in FAMILY_FIELDS:
                self.fields[f"family_{i}_{key}"] = NameField(
                    label=f"家族{i} {label}", required=False, max_length=300 if key == "address" else 100
                )
        self.fields["template"].queryset = templates
        self.fields["template"].initial = current.pk if current else None
        self.fields["signed_on"].initial = timezone.localdate()
        self.fields["signed_on"].not_before(patient.birth_date, "生年月日")
        self.fields["original_kept_at"].initial = kept_at
        self.fields["copy_given"].help_text = policy.consent_custody
        doctor = patient.primary_doctor
        if "doctor_delegate" in policy.consent_obtainer_roles and doctor is not None:
            self.fields["by_doctor_delegate"].label = f"主治医（{doctor.full_name}）の指示を受けて取得した"
        else:
            del self.fields["by_doctor_delegate"]
        if patient.doctor_visits_home or not asks_target_patients(program.variant):
            del self.fields["doctor_deems_necessary"]
        if not policy.prior_consent_counts:
            del self.fields["is_prior"]

    def family_rows(self):
        return [[self[f"family_{i}_{key}"] for key, _ in FAMILY_FIELDS] for i in range(1, self.family_count + 1)]

    def clean_scan(self):
        return checked_scan(self.cleaned_data.get("scan"))

    def clean(self):
        data = super().clean()
        family = []
        for i in range(1, self.family_count + 1):
            member = {key: data.get(f"family_{i}_{key}", "") for key, _ in FAMILY_FIELDS}
            if any(member.values()) and not member.get("name"):
                self.add_error(f"family_{i}_name", "家族の氏名を入力してください。")
            elif member.get("name") and not member.get("relationship"):
                self.add_error(f"family_{i}_relationship", "続柄を入力してください。")
            elif member.get("name"):
                family.append(member)
        data["family_signers"] = family
        if data.get("proxy_name") and not data.get("proxy_relationship"):
            self.add_error("proxy_relationship", "代理人と患者の関係を入力してください。")
        if data.get("proxy_relationship") and not data.get("proxy_name"):
            self.add_error("proxy_name", "代理人の氏名を入力してください。")
        if not data.get("patient_signed") and not data.get("proxy_name") and not data.get("is_prior"):
            self.add_error("proxy_name", "患者本人が署名できないときは、代理人を記入してください。")
        return data

    def policy_hint(self, violation):
        return delegate_hint(self, violation, "CNS-OBTAINER")

    def service_kwargs(self):
        data = self.cleaned_data
        names = ("template", "signed_on", "patient_signed", "family_signers", "proxy_name", "proxy_relationship",
                 "by_doctor_delegate", "doctor_deems_necessary", "original_kept_at", "copy_given", "is_prior", "scan")
        return {name: data[name] for name in names if name in data}


class WithdrawForm(forms.Form):
    withdrawn_on = PastDateField(label="撤回の申出を受けた日")
    note = ProseField(label="申出の内容", required=False, max_length=300,
                      help_text="例: 長女から電話で申出。今後の情報共有を希望しない。")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["withdrawn_on"].initial = timezone.localdate()


class CareTeamEndForm(forms.Form):
    """The secretariat ends a facility's involvement in a patient's care (consent.care)."""

    facility = forms.TypedChoiceField(
        label="関わりを終える事業所", coerce=int,
        error_messages={"invalid_choice": "この事業所は今この患者に関わっていません。",
                        "required": "関わりを終える事業所を選んでください。"},
    )
    note = ProseField(label="理由", max_length=200, help_text="例: 訪問看護の契約が終了（本人・家族から連絡）",
                      error_messages={"required": "理由を入力してください。"})

    def __init__(self, *args, facilities, **kwargs):
        """`facilities`: those the secretariat may end here (care.endable_facilities), already loaded."""
        super().__init__(*args, **kwargs)
        self.facilities = {facility.pk: facility for facility in facilities}
        self.fields["facility"].choices = [("", "選んでください")] + [
            (facility.pk, facility.name) for facility in sorted(facilities, key=lambda f: f.name)
        ]

    def clean_facility(self):
        return self.facilities[self.cleaned_data["facility"]]


class ScanForm(forms.Form):
    scan = forms.FileField(label="署名済み同意書のスキャン", help_text="PDF・JPEG・PNG、5MBまで")

    def clean_scan(self):
        return checked_scan(self.cleaned_data.get("scan"))


HEADING = re.compile(r"^[【\[](.+?)[】\]]$")


class TemplateForm(forms.Form):
    """A draft version, edited as plain text: one clause per paragraph (a blank line between; its
    lines kept); purposes under 【見出し】 lines."""

    preamble = ProseField(label="前文", widget=forms.Textarea(attrs={"rows": 4}))
    clauses = ProseField(label="説明事項", widget=forms.Textarea(attrs={"rows": 14}),
                         help_text="1項目ごとに空行で区切ります（項目の中の改行はそのまま印刷）。番号は印刷時に振ります。")
    purposes = ProseField(label="個人情報の利用目的", widget=forms.Textarea(attrs={"rows": 18}),
                          help_text="見出しは【】で囲んだ行、その下に1行に1項目。")
    agreement = ProseField(label="同意の文言", max_length=300)

    @classmethod
    def initial_for(cls, template):
        lines = []
        for purpose in template.purposes:
            lines.append(f"【{purpose['heading']}】")
            lines.extend(purpose["items"])
        return {"preamble": template.preamble, "clauses": "\n\n".join(template.clauses),
                "purposes": "\n".join(lines), "agreement": template.agreement}

    def clean_clauses(self):
        clauses = paragraphs(self.cleaned_data["clauses"])
        if not clauses:
            raise ValidationError("説明事項を1つ以上入力してください。")
        printable("".join(clauses))
        return clauses

    def clean_purposes(self):
        purposes = []
        for line in (nfkc(line) for line in self.cleaned_data["purposes"].splitlines()):
            if not line:
                continue
            heading = HEADING.match(line)
            if heading:
                purposes.append({"heading": heading.group(1), "items": []})
            elif not purposes:
                raise ValidationError("最初の行は【見出し】にしてください。")
            else:
                purposes[-1]["items"].append(line)
        empty = [p["heading"] for p in purposes if not p["items"]]
        if empty:
            raise ValidationError(f"見出し「{'」「'.join(empty)}」の下に項目がありません。")
        printable("".join(p["heading"] + "".join(p["items"]) for p in purposes))
        return purposes


class ErasureForm(forms.Form):
    """The secretariat's confirmation of an erasure: when it was asked for, why, and the patient's number."""

    requested_on = PastDateField(label="消去の申出を受けた日")
    reason = ProseField(
        label="申出の内容・消去の理由", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="例: 本人から書面で完全削除の申出。氏名・住所などは書かないでください（書いても伏せ字にします）。",
    )
    confirm_number = forms.IntegerField(
        label="確認のため、患者番号を入力してください", min_value=1,
        error_messages={"invalid": "患者番号を数字で入力してください。"},
    )

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.fields["requested_on"].initial = timezone.localdate()

    def clean_confirm_number(self):
        if self.cleaned_data["confirm_number"] != self.patient.pk:
            raise ValidationError("患者番号が違います。消去する患者の番号を確かめてください。")
        return self.cleaned_data["confirm_number"]


class ErasureLookupForm(forms.Form):
    patient_number = forms.IntegerField(
        label="患者番号", min_value=1, error_messages={"invalid": "患者番号を数字で入力してください。"}
    )


class ReconsentForm(forms.Form):
    """Whose consent to take again on the version in force (patients who consented on an older one)."""

    patients = forms.ModelMultipleChoiceField(
        label="同意を取り直す患者", queryset=Patient.objects.none(), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "患者を1人以上選んでください。"},
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["patients"].queryset = Patient.objects.filter(pk__in=[p.pk for p in candidates])
