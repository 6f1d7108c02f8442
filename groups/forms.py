"""Forms of the groups app: validate and normalise what people type; the services act.

Text people type here ends up in MCS task titles, the review report (PDF and CSV) and the
register, so it goes through core.forms' NameField/ProseField: printed text the font can draw.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from consent.models import Patient, PatientStatus
from core.forms import DateInput, NameField, PastDateField, ProseField, delegate_hint
from core.text import katakana, nfkc
from core.wareki import wareki
from facilities.models import Facility, FacilityStatus, JobType, Staff, StaffStatus, role_facility_ids

from .models import CampaignScope, Decision, EndReason, GroupKind, MemberKind
from .services import family_blocks


def staff_label(staff):
    return f"{staff.full_name}（{staff.facility.name}・{staff.get_job_display()}）"


class PatientChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.full_name}（{wareki(obj.birth_date)}生）"


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return staff_label(obj)


def kind_choices(program):
    policy = program.policy
    choices = [(GroupKind.PATIENT.value, GroupKind.PATIENT.label)]
    if not family_blocks(program):
        choices.append((GroupKind.FAMILY.value, GroupKind.FAMILY.label))
    if policy.free_groups_allowed:
        choices.append((GroupKind.FREE.value, GroupKind.FREE.label))
    return choices


class GroupCreateForm(forms.Form):
    # Where a block of the engine points (core.forms.add_service_errors).
    policy_fields = {
        "GRP-CONSENT": "patient", "GRP-DUP": "patient", "GRP-FREE-PATIENT": "patient",
        "MBR-STAFF-ONLY": "kind", "MBR-FAMILY": "kind",
    }

    kind = forms.ChoiceField(label="種類", widget=forms.RadioSelect)
    patient = PatientChoiceField(label="患者", queryset=Patient.objects.none(), required=False)
    title = ProseField(label="グループ名（自由グループ）", max_length=100, required=False)
    leader = StaffChoiceField(label="リーダー（MCSでグループを管理し、定期精査をする人）", queryset=Staff.objects.none())
    by_doctor_delegate = forms.BooleanField(label="主治医の指示を受けて作成する", required=False)

    def __init__(self, *args, program, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.program = program
        policy = program.policy
        self.fields["kind"].choices = kind_choices(program)
        self.fields["kind"].initial = GroupKind.PATIENT
        self.fields["patient"].queryset = (
            Patient.objects.actionable_by(user).filter(program=program, status=PatientStatus.ACTIVE)
            .order_by("kana_key", "pk")
        )
        self.fields["patient"].help_text = "あなたの事業所が関わる、療養中の患者から選びます。"
        mine = Staff.objects.filter(program=program, facility_id__in=role_facility_ids(user))
        mine = mine.filter(status=StaffStatus.ACTIVE).select_related("facility")
        self.fields["leader"].queryset = mine.order_by("facility__number", "full_name_kana")
        own = self.fields["leader"].queryset.filter(user=user).first()
        if own is not None:
            self.fields["leader"].initial = own.pk
        self.fields["leader"].help_text = f"患者グループを作れるのは{policy.group_manager_label}です。"
        if "doctor_delegate" not in policy.group_manager_roles:
            del self.fields["by_doctor_delegate"]
        if not policy.free_groups_allowed:
            del self.fields["title"]

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == GroupKind.FREE:
            if not data.get("title"):
                self.add_error("title", "自由グループの名前を入力してください。")
        elif kind and not data.get("patient"):
            self.add_error("patient", "患者を選んでください。")
        return data

    def policy_hint(self, violation):
        return delegate_hint(self, violation, "GRP-MANAGER")

    def service_kwargs(self):
        data = self.cleaned_data
        kind = data["kind"]
        return {
            "kind": kind, "leader": data["leader"],
            "patient": None if kind == GroupKind.FREE else data["patient"],
            "title": data.get("title", "") if kind == GroupKind.FREE else "",
            "origin_facility": data["leader"].facility if kind == GroupKind.FREE else None,
            "by_doctor_delegate": data.get("by_doctor_delegate", False),
        }


class MemberSearchForm(forms.Form):
    """Find staff across the program by name (or reading), facility and job."""

    q = forms.CharField(label="氏名・カナ", max_length=100, required=False)
    facility = forms.ModelChoiceField(label="事業所", queryset=Facility.objects.none(), required=False,
                                      empty_label="すべての事業所")
    job = forms.ChoiceField(label="職種", required=False)

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        facilities = Facility.objects.filter(program=program).approved()
        self.fields["facility"].queryset = facilities.order_by("number")
        self.fields["job"].choices = [("", "すべての職種"), *JobType.choices]

    def clean_q(self):
        return nfkc(self.cleaned_data["q"])

    def filter(self, staff):
        if not self.is_valid():
            return staff
        data = self.cleaned_data
        if data["q"]:
            reading = katakana(data["q"])
            staff = staff.filter(
                Q(full_name__icontains=data["q"]) | Q(full_name_kana__icontains=reading)
            )
        if data["facility"]:
            staff = staff.filter(facility=data["facility"])
        if data["job"]:
            staff = staff.filter(job=data["job"])
        return staff


class InviteForm(forms.Form):
    staff = forms.ModelChoiceField(queryset=Staff.objects.none())

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = Staff.objects.filter(program=program).current()


class PersonForm(forms.Form):
    member_kind = forms.ChoiceField(
        label="誰が参加しますか", widget=forms.RadioSelect,
        choices=[(kind.value, kind.label) for kind in (MemberKind.PATIENT, MemberKind.FAMILY)],
    )
    person_name = NameField(label="氏名", max_length=100)
    relationship = NameField(label="続柄（家族のとき）", max_length=50, required=False)
    family_agreed = forms.BooleanField(
        label="参加の必要性を医療・介護の関係者で話し合い、合意しました", required=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("member_kind") == MemberKind.FAMILY and not data.get("relationship"):
            self.add_error("relationship", "家族の続柄を入力してください。")
        return data


REMOVAL_REASONS = [
    (r.value, r.label)
    for r in (EndReason.UNASSIGNED, EndReason.RETIRED, EndReason.TRANSFERRED, EndReason.OTHER)
]


class MemberRemoveForm(forms.Form):
    reason = forms.ChoiceField(label="理由", choices=REMOVAL_REASONS, widget=forms.RadioSelect)
    note = ProseField(label="補足", max_length=200, required=False)
    ended_on = PastDateField(label="解除日", initial=timezone.localdate)

    def __init__(self, *args, membership=None, **kwargs):
        super().__init__(*args, **kwargs)
        if membership is not None:
            self.fields["ended_on"].not_before(membership.invited_on, "招待日")

    def clean(self):
        data = super().clean()
        if data.get("reason") == EndReason.OTHER and not data.get("note"):
            self.add_error("note", "「その他」のときは理由を書いてください。")
        return data


class ArchiveForm(forms.Form):
    reason = ProseField(label="保管の理由", max_length=200, help_text="例: 死亡のため、利用終了のため")
    archived_on = PastDateField(label="保管日", initial=timezone.localdate)

    def __init__(self, *args, group=None, **kwargs):
        super().__init__(*args, **kwargs)
        if group is not None:
            self.fields["archived_on"].not_before(group.created_on, "グループの作成日")


class DeletionForm(forms.Form):
    reason = ProseField(label="削除の申出の内容", widget=forms.Textarea(attrs={"rows": 3}), max_length=1000,
                        help_text="いつ、誰から、どのような申出があったかを書きます。")
    via_secretariat = forms.TypedChoiceField(
        label="誰がMCSで削除しますか", widget=forms.RadioSelect, coerce=lambda v: v == "yes",
        choices=[("yes", "事務局に依頼する"), ("no", "連携元事業所がMCSで削除する")], initial="yes",
    )

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        if program.policy.deletion_via_secretariat:
            # The policy routes every deletion through the secretariat: there is nothing to choose.
            del self.fields["via_secretariat"]


def _joinable(program_id):
    """Active staff of approved facilities: who may lead a group or be its 医師会管理者."""
    staff = Staff.objects.filter(program_id=program_id, status=StaffStatus.ACTIVE)
    return staff.filter(facility__status=FacilityStatus.ACTIVE).select_related("facility").order_by(
        "facility__number", "full_name_kana"
    )


class LeaderForm(forms.Form):
    leader = StaffChoiceField(label="新しいリーダー", queryset=Staff.objects.none())

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = _joinable(group.program_id).exclude(pk=group.leader_id)


class FollowUpForm(forms.Form):
    """Settling a 要確認 after the review: keep or remove, and why."""

    settled_as = forms.ChoiceField(
        label="確認の結果", widget=forms.RadioSelect,
        choices=[(Decision.KEEP, "継続（メンバーのまま）"), (Decision.REMOVE, "解除（メンバーから外す）")],
    )
    reason = ProseField(label="理由", max_length=200, help_text="例: 主治医に確認し、訪問看護は継続")


class TaskConfirmForm(forms.Form):
    note = ProseField(label="メモ", max_length=200, required=False)


class AssociationAdminForm(forms.Form):
    staff = StaffChoiceField(label="医師会管理者", queryset=Staff.objects.none())

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = _joinable(program.pk)
        self.fields["staff"].label = program.policy.association_admin_label or "医師会管理者"


class AdminNoticeGroupForm(forms.Form):
    leader = StaffChoiceField(
        label="グループを運営する人", queryset=Staff.objects.none(),
        help_text="事務局側でMCSのグループを作り、管理する人です（医師会や事務局の職員など）。",
    )

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = _joinable(program.pk)


class CampaignForm(forms.Form):
    title = ProseField(label="名称", max_length=100, required=False, help_text="空欄なら開始日から付けます。")
    scope = forms.ChoiceField(label="対象", widget=forms.RadioSelect)
    facility = forms.ModelChoiceField(label="事業所（1つの事業所のとき）", queryset=Facility.objects.none(),
                                      required=False)
    due_on = forms.DateField(label="期限", widget=DateInput)

    def __init__(self, *args, program, secretariat, **kwargs):
        super().__init__(*args, **kwargs)
        if secretariat:
            scopes = [CampaignScope.DUE, CampaignScope.ALL, CampaignScope.FACILITY]
            # A facility that has left runs no group any more (its patients were handed over or archived).
            self.fields["facility"].queryset = (
                Facility.objects.filter(program=program).exclude(status=FacilityStatus.WITHDRAWN).order_by("number")
            )
        else:
            scopes = [CampaignScope.LED]
            del self.fields["facility"]
        self.fields["scope"].choices = [(s.value, s.label) for s in scopes]
        self.fields["scope"].initial = scopes[0].value

    def clean_due_on(self):
        value = self.cleaned_data["due_on"]
        if value and value < timezone.localdate():
            raise ValidationError("期限は今日以降の日付にしてください。")
        return value

    def clean(self):
        data = super().clean()
        if data.get("scope") == CampaignScope.FACILITY and not data.get("facility"):
            self.add_error("facility", "事業所を選んでください。")
        return data


class WorksheetForm(forms.Form):
    """One decision and reason per member row, named by the membership's pk."""

    note = ProseField(label="所見（グループ全体について）", widget=forms.Textarea(attrs={"rows": 2}),
                      required=False, max_length=2000)

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        choices = [("", "未回答"), *Decision.choices]
        for row in rows:
            pk, decision = row.membership.pk, row.decision
            self.fields[f"decision_{pk}"] = forms.ChoiceField(
                label=row.membership.display_name, choices=choices, required=False,
                initial=decision.decision if decision else "",
            )
            self.fields[f"reason_{pk}"] = ProseField(
                label="理由", max_length=200, required=False, initial=decision.reason if decision else "",
            )
            row.decision_field, row.reason_field = self[f"decision_{pk}"], self[f"reason_{pk}"]

    def clean(self):
        data = super().clean()
        for row in self.rows:
            pk = row.membership.pk
            if f"reason_{pk}" not in data:
                continue  # the reason has an error of its own already
            if data.get(f"decision_{pk}") in (Decision.REMOVE, Decision.UNSURE) and not data[f"reason_{pk}"]:
                self.add_error(f"reason_{pk}", "「解除」「要確認」には理由を書いてください。")
        return data

    def decisions(self):
        data = self.cleaned_data
        return {
            row.membership.pk: (data[f"decision_{row.membership.pk}"], data[f"reason_{row.membership.pk}"])
            for row in self.rows if data.get(f"decision_{row.membership.pk}")
        }
