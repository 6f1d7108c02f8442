"""Forms of the oversight app: validate and normalise what people type; the services act."""

import re

from django import forms
from django.core.exceptions import ValidationError

from core import text
from core.forms import DateInput, NameField, PastDateField, ProseField
from facilities.access import is_secretariat
from facilities.models import Facility, FacilityStatus, Staff, role_facility_ids
from policy.rules import SAFEGUARDS

from . import clock
from .models import (
    MANUAL_ACTIONS,
    Device,
    DeviceKind,
    GuidanceKind,
    Incident,
    IncidentKind,
    Ownership,
    RequestKind,
    UsePurpose,
)

PATIENT_NUMBERS_ERROR = "患者は患者番号（英数字）で書いてください。氏名は書かないでください。"


def facilities_for(user, program):
    """Facilities the user may report for: all of the program's (secretariat), else their own."""
    facilities = Facility.objects.filter(program=program).exclude(status=FacilityStatus.WITHDRAWN)
    if not is_secretariat(user, program):
        facilities = facilities.filter(pk__in=role_facility_ids(user))
    return facilities.order_by("number")


def patient_numbers(value):
    """'P-001、P-002' -> 'P-001, P-002'; refuses anything but numbers (so never a name)."""
    value = text.nfkc(value).replace("、", ",").replace("，", ",")
    parts = [p.strip() for p in re.split(r"[,\s]+", value) if p.strip()]
    if any(not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_\-#]*", p) for p in parts):
        raise ValidationError(PATIENT_NUMBERS_ERROR, code="patient_numbers")
    return ", ".join(parts)


class IncidentForm(forms.Form):
    facility = forms.ModelChoiceField(label="施設", queryset=Facility.objects.none())
    kind = forms.ChoiceField(label="何が起きましたか", choices=IncidentKind.choices, widget=forms.RadioSelect)
    discovered_on = PastDateField(label="発覚日（気づいた日）", help_text="個人情報保護委員会への報告の期限は、この日から数えます。")
    occurred_on = PastDateField(label="発生日（分かれば）", required=False)
    on_behalf_of = NameField(label="本人に代わって報告するときは、本人の氏名・職種", max_length=100, required=False)
    what_happened = ProseField(
        label="何が起きたか（いつ・どこで・何が）", widget=forms.Textarea(attrs={"rows": 5}),
        help_text="患者の氏名は書かず、患者番号で書いてください。",
    )
    first_response = ProseField(
        label="すでに行った対応", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="例: 遠隔消去（リモートワイプ）をした、MCSのパスワードを変えた、グループのメンバーから外した",
    )
    affected_patient_numbers = forms.CharField(
        label="影響を受けたおそれのある患者（患者番号をカンマ区切り）", max_length=500, required=False,
    )
    affected_count = forms.IntegerField(label="影響を受けたおそれのある人数（分かる範囲で）", min_value=0, initial=0)
    sensitive_data = forms.BooleanField(
        label="患者の病歴や心身の状態など（要配慮個人情報）が漏れた、または漏れたおそれがある", required=False,
        initial=True, help_text="1人分でも、施設から個人情報保護委員会への報告と本人への通知が必要になります。",
    )
    malicious = forms.BooleanField(label="盗難や不正アクセスなど、不正の目的によるおそれがある", required=False)

    def __init__(self, *args, program, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities_for(user, program)
        if self.fields["facility"].queryset.count() == 1:
            self.fields["facility"].initial = self.fields["facility"].queryset.first()

    def clean_affected_patient_numbers(self):
        return patient_numbers(self.cleaned_data["affected_patient_numbers"])

    def clean(self):
        data = super().clean()
        occurred, discovered = data.get("occurred_on"), data.get("discovered_on")
        if occurred and discovered and occurred > discovered:
            self.add_error("occurred_on", "発生日は発覚日より前の日付にしてください。")
        return data

# The assessment's free-text answers: printed on the report and exported.
PROSE = ("data_items", "cause", "secondary_harm", "person_response", "publication", "prevention", "other_notes")


class AssessForm(forms.ModelForm):
    """The items of the PPC's report form (漏えい等報告), and whether a report is due."""

    note = ProseField(label="見直しのメモ（記録に残ります）", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    class Meta:
        model = Incident
        fields = (
            "sensitive_data", "malicious", "affected_count", "affected_patient_numbers", "data_items", "cause",
            "secondary_harm", "person_response", "publication", "prevention", "other_notes",
        )
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in PROSE}
        field_classes = dict.fromkeys(PROSE, ProseField)

    def clean_affected_patient_numbers(self):
        return patient_numbers(self.cleaned_data["affected_patient_numbers"])

    def service_kwargs(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ActionForm(forms.Form):
    kind = forms.ChoiceField(label="対応", choices=[(k.value, k.label) for k in MANUAL_ACTIONS])
    done_on = PastDateField(label="実施日")
    note = ProseField(label="内容", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class StepForm(forms.Form):
    step = forms.ChoiceField(label="済んだこと", choices=list(clock.STEP_LABELS.items()), widget=forms.RadioSelect)
    done_on = PastDateField(label="実施日")
    note = ProseField(label="メモ（受付番号・通知の方法など）", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, incident, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["step"].choices = [
            (step, label) for step, label in clock.STEP_LABELS.items() if not getattr(incident, f"{step}_done_on")
        ]


class CloseForm(forms.Form):
    note = ProseField(label="完了のメモ（結果・再発防止策など）", widget=forms.Textarea(attrs={"rows": 3}))


class ReopenForm(forms.Form):
    note = ProseField(label="再開する理由", widget=forms.Textarea(attrs={"rows": 2}))


class IncidentFilterForm(forms.Form):
    SHOW = (("open", "対応中"), ("overdue", "期限切れ"), ("soon", "期限が近い"), ("closed", "完了"), ("all", "すべて"))
    show = forms.ChoiceField(choices=SHOW, required=False)
    kind = forms.ChoiceField(choices=[("", "すべての種類"), *IncidentKind.choices], required=False)
    facility = forms.IntegerField(required=False, widget=forms.HiddenInput)



# --- Guidance ------------------------------------------------------------------------------


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name}（{obj.facility.name}・{obj.get_job_display()}）"


class IncidentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.number} {obj.get_kind_display()}（{obj.facility.name}）"


class GuidanceForm(forms.Form):
    facility = forms.ModelChoiceField(label="施設", queryset=Facility.objects.none())
    staff = StaffChoiceField(label="対象の利用者（施設全体に対するときは空欄）", queryset=Staff.objects.none(),
                             required=False)
    incident = IncidentChoiceField(label="もとになったトラブル報告（あれば）", queryset=Incident.objects.none(),
                                   required=False)
    kind = forms.ChoiceField(label="種類", choices=GuidanceKind.choices, widget=forms.RadioSelect)
    given_on = PastDateField(label="実施日")
    given_by_body = NameField(label="行った機関", max_length=100)
    content = ProseField(label="内容（何について、どのように注意・指導したか）", widget=forms.Textarea(attrs={"rows": 5}))
    restriction_until = forms.DateField(
        label="利用制限の終了予定日（利用制限のとき）", required=False, widget=DateInput,
        help_text="利用制限を記録すると、対象の人（空欄なら施設全体）の利用停止も記録されます。解除は利用停止の画面で行います。",
    )

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        policy = program.policy
        self.fields["facility"].queryset = Facility.objects.filter(program=program).order_by("number")
        self.fields["staff"].queryset = (
            Staff.objects.filter(program=program).select_related("facility").order_by("facility__number", "full_name_kana")
        )
        self.fields["incident"].queryset = Incident.objects.filter(program=program).select_related("program", "facility")
        self.fields["given_by_body"].initial = policy.guidance_body
        article = f"（{policy.policy_title}{policy.guidance_article}）" if policy.guidance_article else ""
        self.fields["given_by_body"].help_text = f"運用ポリシーでは{policy.guidance_body}が注意・指導を行います{article}。"

    def clean(self):
        data = super().clean()
        if data.get("kind") == GuidanceKind.RESTRICTION and not data.get("restriction_until"):
            self.add_error("restriction_until", "利用制限のときは終了予定日を入れてください（未定なら目安の日）。")
        return data


# --- Notices -------------------------------------------------------------------------------


class FacilitiesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.number} {obj.name}"


class NoticeForm(forms.Form):
    title = ProseField(label="件名", max_length=100)
    body = ProseField(label="本文", widget=forms.Textarea(attrs={"rows": 8}))
    to_all = forms.BooleanField(label="利用中のすべての施設の管理者へ送る", required=False, initial=True)
    facilities = FacilitiesField(label="宛先の施設（すべてへ送らないとき）", queryset=Facility.objects.none(),
                                 required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facilities"].queryset = Facility.objects.filter(program=program).approved().order_by("number")

    def clean(self):
        data = super().clean()
        if not data.get("to_all") and not data.get("facilities"):
            self.add_error("facilities", "宛先の施設を選ぶか、「すべての施設」にチェックを入れてください。")
        return data

    def service_kwargs(self):
        data = self.cleaned_data
        return {"title": data["title"], "body": data["body"],
                "facilities": None if data["to_all"] else list(data["facilities"])}


# --- Devices and secondary use ----------------------------------------------------------------


def safeguard_choices(program):
    """The safeguards the variant names first, then the others."""
    named = program.policy.device_safeguards
    return [(key, SAFEGUARDS[key]) for key in (*named, *(k for k in SAFEGUARDS if k not in named))]


class SafeguardsMixin:
    def _safeguards_field(self, program):
        policy = program.policy
        article = f"（{policy.policy_title}{policy.device_safeguards_article}）" if policy.device_safeguards else ""
        named = "・".join(SAFEGUARDS[k] for k in policy.device_safeguards)
        self.fields["safeguards"].choices = safeguard_choices(program)
        self.fields["safeguards"].help_text = (
            f"運用ポリシーが挙げる対策: {named}{article}" if named else "運用ポリシーに端末の対策の定めはありません。"
        )


class DeviceForm(SafeguardsMixin, forms.Form):
    label = NameField(label="端末の名称・管理番号", max_length=100)
    kind = forms.ChoiceField(label="種類", choices=DeviceKind.choices)
    ownership = forms.ChoiceField(label="所有", choices=Ownership.choices, widget=forms.RadioSelect)
    holder = StaffChoiceField(label="使う人（貸与先・所有者）", queryset=Staff.objects.none(), required=False)
    safeguards = forms.MultipleChoiceField(label="安全対策", required=False, widget=forms.CheckboxSelectMultiple)
    approved_on = PastDateField(label="書面で承認した日（個人所有の端末のとき）", required=False)
    registered_on = PastDateField(label="登録日")

    def __init__(self, *args, facility, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holder"].queryset = Staff.objects.current().filter(facility=facility).select_related("facility")
        self._safeguards_field(facility.program)


class RetireForm(forms.Form):
    retired_on = PastDateField(label="使用をやめた日")


class DeviceRequestForm(SafeguardsMixin, forms.Form):
    kind = forms.ChoiceField(label="申請", choices=RequestKind.choices, widget=forms.RadioSelect)
    information = ProseField(label="持ち出す情報の内容（持ち出しのとき）", required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))
    medium = NameField(label="格納する媒体（USBメモリ、ノートパソコンなど）", max_length=100, required=False)
    device = forms.ModelChoiceField(label="持ち出す端末（台帳にあるとき）", queryset=Device.objects.none(),
                                    required=False)
    device_label = NameField(label="使う個人の端末の名称・機種（個人所有の端末のとき）", max_length=100, required=False)
    device_kind = forms.ChoiceField(label="端末の種類", choices=[("", "—"), *DeviceKind.choices], required=False)
    safeguards = forms.MultipleChoiceField(label="端末の安全対策", required=False,
                                           widget=forms.CheckboxSelectMultiple)
    purpose = ProseField(label="目的", widget=forms.Textarea(attrs={"rows": 2}))
    period_from = forms.DateField(label="期間（から）", widget=DateInput)
    period_to = forms.DateField(label="期間（まで）", widget=DateInput)

    def __init__(self, *args, facility, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["device"].queryset = Device.objects.in_use().filter(facility=facility)
        self._safeguards_field(facility.program)


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(label="判断", choices=(("1", "承認する"), ("0", "承認しない")),
                                     coerce=lambda v: v == "1", widget=forms.RadioSelect)
    written_on = PastDateField(label="書面（申請書）で承認した日", required=False,
                               help_text="書面での承認がないと、運用ポリシーによっては承認できません。")
    note = ProseField(label="メモ", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DisasterForm(forms.Form):
    title = ProseField(label="災害の名称（例: ○○地震）", max_length=100)


class SecondaryUseForm(forms.Form):
    purpose = forms.ChoiceField(label="目的", choices=UsePurpose.choices, widget=forms.RadioSelect)
    content = ProseField(label="使う内容（どのグループの、どの書き込み・画像か。患者は番号で）",
                         widget=forms.Textarea(attrs={"rows": 3}))
    use = ProseField(label="使い方（どこに、どのように）", widget=forms.Textarea(attrs={"rows": 2}))
    provider_permission = forms.BooleanField(label="内容の提供者（書き込んだ人）の許可を得た", required=False)
    manager_permission = forms.BooleanField(label="患者タイムライン（グループ）の管理者の許可を得た（ケア以外のとき）",
                                            required=False)
    anonymized = forms.BooleanField(label="患者や提供者が分からないよう抜粋・加工した（ケア以外のとき）", required=False)
    document_from_other_facility = forms.BooleanField(label="他の施設からの情報提供書などの文書を含む", required=False)
    policy_fields = {"SEC-PERMISSION": "provider_permission", "SEC-OTHER-DOC": "document_from_other_facility",
                     "SEC-NO-COPY": "purpose"}
