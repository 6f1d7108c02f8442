"""Forms of the people pages: grant, revoke (with a successor), account actions, cancel an invitation, filters."""

from django import forms

from core.forms import NameField, ProseField

from .models import FACILITY_ROLES, PROGRAM_ROLES, RoleKind, Staff, StaffStatus
from .people import kind_label

REASON_HELP = "記録に残ります（例: 4月から連携リーダーを担当、退職のため）。"


def _choices(kinds):
    return [(k.value, k.label) for k in RoleKind if k in kinds]


class ProgramRoleForm(forms.Form):
    kind = forms.ChoiceField(label="役割", choices=_choices(PROGRAM_ROLES))
    full_name = NameField(label="氏名", max_length=100)
    email = forms.EmailField(label="メールアドレス", help_text="本人だけが使うアドレス。ログインIDになります。")
    reason = ProseField(label="理由", widget=forms.Textarea(attrs={"rows": 2}), help_text=REASON_HELP)


class FacilityRoleForm(forms.Form):
    kind = forms.ChoiceField(label="役割", choices=_choices(FACILITY_ROLES))
    staff = forms.ModelChoiceField(
        label="職員（管理台帳で利用中の人）", queryset=Staff.objects.none(),
        error_messages={"invalid_choice": "この施設の管理台帳で利用中の職員を選んでください。"},
    )
    reason = ProseField(label="理由", widget=forms.Textarea(attrs={"rows": 2}), help_text=REASON_HELP)

    def __init__(self, *args, facility, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.value, kind_label(facility.program, k)) for k in kinds]
        # Only those who can be granted a role (利用中): a line still 登録準備中 or removed would be refused.
        self.fields["staff"].queryset = _active_lines(facility)
        self.fields["staff"].label_from_instance = _staff_label


def _active_lines(facility):
    return Staff.objects.filter(facility=facility, status=StaffStatus.ACTIVE).order_by("full_name_kana", "pk")


def _staff_label(staff):
    return f"{staff.full_name} {staff.email}"


class RevokeForm(forms.Form):
    reason = ProseField(label="理由", widget=forms.Textarea(attrs={"rows": 2}), help_text=REASON_HELP)
    successor = forms.ModelChoiceField(
        label="後任の管理者", queryset=Staff.objects.none(), required=False,
        help_text="管理者がいなくなる（または定めの人数を外れる）ときは、同じ操作で後任を指定します。",
        error_messages={"invalid_choice": "この施設の管理台帳で利用中の職員を選んでください。"},
    )

    def __init__(self, *args, role, **kwargs):
        super().__init__(*args, **kwargs)
        if role.kind == RoleKind.FACILITY_ADMIN:
            self.fields["successor"].queryset = _active_lines(role.facility).exclude(user=role.user)
            self.fields["successor"].label_from_instance = _staff_label
        else:
            del self.fields["successor"]


class AccountActionForm(forms.Form):
    reason = ProseField(
        label="理由", widget=forms.Textarea(attrs={"rows": 2}),
        help_text="記録に残ります（例: スマートフォンを紛失、3月末で退職）。",
    )


class CancelInvitationForm(forms.Form):
    reason = ProseField(label="取消の理由", max_length=200)


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label="氏名・メール", required=False)
    kind = forms.ChoiceField(label="役割", required=False, choices=[("", "すべて"), *RoleKind.choices])
    state = forms.ChoiceField(
        label="状態", required=False, choices=[("", "有効な役割のある人"), ("revoked", "取り消された役割のみ"), ("all", "すべて")]
    )
    two_factor = forms.ChoiceField(
        label="二要素認証", required=False, choices=[("", "すべて"), ("on", "設定済み"), ("off", "未設定")]
    )

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "すべて"), *((k.value, kind_label(program, k)) for k in RoleKind)]
