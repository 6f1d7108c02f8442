"""Forms of a facility's suspension and withdrawal pages (groups/life_views.py)."""

from django import forms
from django.utils import timezone

from core.forms import DateInput, NameField, PastDateField, ProseField
from facilities.models import DeviceReturn, Staff

from .withdrawal import ARCHIVE

WHOLE_FACILITY = "facility"


class SuspensionForm(forms.Form):
    target = forms.ChoiceField(label="対象")
    reason = ProseField(label="理由（どのような利用があったか）", widget=forms.Textarea(attrs={"rows": 4}))
    article = NameField(label="根拠の条項", max_length=100)
    starts_on = PastDateField(label="開始日")
    ends_on = forms.DateField(label="終了予定日（未定なら空欄）", required=False, widget=DateInput)

    def __init__(self, *args, facility, whole_facility, article, **kwargs):
        super().__init__(*args, **kwargs)
        people = Staff.objects.current().filter(facility=facility).order_by("full_name_kana", "pk")
        choices = [(str(s.pk), f"{s.full_name}（{s.get_job_display()}）") for s in people]
        if whole_facility:
            choices.insert(0, (WHOLE_FACILITY, f"{facility.name}（施設全体）"))
        # Nothing chosen in advance: the first line was often the person filling in the form.
        self.fields["target"].choices = [("", "選択してください"), *choices]
        self.staff_by_pk = {str(s.pk): s for s in people}
        policy = facility.program.policy
        self.fields["article"].initial = article
        if article:
            self.fields["article"].help_text = f"{policy.policy_title}の条項（例: {article}）"
        else:  # the policy names no clause for it: the secretariat writes what it relies on
            self.fields["article"].help_text = (
                f"{policy.policy_title}には利用停止を定めた条項がありません。根拠とする条項を書いてください"
                f"（例: 利用の承認を定めた{policy.suspension_article}）。"
            )
        self.fields["starts_on"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        target = data.pop("target", None)
        data["staff"] = self.staff_by_pk.get(target) if target != WHOLE_FACILITY else None
        return data


class LiftForm(forms.Form):
    lifted_on = PastDateField(label="解除日")
    note = ProseField(label="解除の理由", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lifted_on"].initial = timezone.localdate()


class WithdrawalForm(forms.Form):
    """The 退会 checklist: the date, the reason, the devices, and one choice per patient."""

    withdrawn_on = PastDateField(label="退会日")
    reason = ProseField(label="退会の理由", widget=forms.Textarea(attrs={"rows": 3}))
    devices = forms.ChoiceField(label="施設が貸与したIT機器", choices=DeviceReturn.choices, initial=DeviceReturn.NONE_LENT)
    confirm = forms.BooleanField(
        label="職員全員の削除、患者の引継ぎ・保管、MCSでのスタッフ解除の作業の作成を、まとめて行うことを確認しました"
    )

    def __init__(self, *args, patients, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["withdrawn_on"].initial = timezone.localdate()
        choices = [("", "選んでください"), (ARCHIVE, "引き継がずに保管する")]
        choices += [(str(f.pk), f"{f.name}に引き継ぐ") for f in targets]
        self.patient_fields = []
        for patient in patients:
            name = f"patient_{patient.pk}"
            self.fields[name] = forms.ChoiceField(
                label=f"患者番号{patient.pk} {patient.full_name}さん", choices=choices,
                error_messages={"required": "引継ぎ先か保管を選んでください。"},
            )
            self.patient_fields.append(name)
        # The patients' choices first, the date and reason after: the page reads as a checklist.
        self.order_fields([*self.patient_fields, "withdrawn_on", "reason", "devices", "confirm"])

    def choices(self):
        """{patient pk: facility pk or ARCHIVE}, for groups.withdrawal."""
        out = {}
        for name in self.patient_fields:
            value = self.cleaned_data[name]
            out[int(name.removeprefix("patient_"))] = value if value == ARCHIVE else int(value)
        return out
