"""Forms of the yearly confirmation: the secretariat's campaign, and one small form per ledger line."""

import datetime

from django import forms
from django.utils import timezone

from core.forms import DateInput, NameField, PastDateField

from .confirmation import CLOSE_OPEN_LABEL, StaffAnswer, is_admin_now, keep_label, make_label, shared_address
from .models import DeviceReturn, RemovalReason

STAYS, LEFT = "stays", "left"
YES_NO = [("yes", "はい"), ("no", "いいえ")]


class CampaignForm(forms.Form):
    title = NameField(label="名称", max_length=100, help_text="例: 令和8年度 継続確認")
    due_on = forms.DateField(label="回答期限", widget=DateInput)

    close_open = forms.BooleanField(label=CLOSE_OPEN_LABEL, required=False)

    def __init__(self, *args, open_campaign=None, **kwargs):
        super().__init__(*args, **kwargs)
        if open_campaign is None:
            del self.fields["close_open"]
        else:
            self.fields["close_open"].help_text = (
                f"いま受付中の「{open_campaign.title}」は締め切られ、まだ回答していない施設は、それには回答できなくなります。"
            )
        today = timezone.localdate()
        self.fields["due_on"].initial = today + datetime.timedelta(days=30)
        # 年度 starts in April: from January to March the year's campaign is the previous 年度's.
        fiscal = today.year - (1 if today.month < 4 else 0)
        self.fields["title"].initial = f"令和{fiscal - 2018}年度 継続確認"


class StaffAnswerForm(forms.Form):
    """The answer for one line; prefixed with the staff's pk, so one page holds them all.

    Nothing is chosen in advance: the administrator looks at each person (a page answered in one
    tap would confirm nothing). Only a current administrator (confirmation.is_admin_now) is asked
    whether they stay one, ticked as they are; anyone else is offered the separate 「…にする」.
    """

    employed = forms.ChoiceField(
        label="在籍", choices=[(STAYS, "今も在籍している"), (LEFT, "退職・異動した（削除する）")],
        widget=forms.RadioSelect,
        error_messages={"required": "「今も在籍している」か「退職・異動した」を選んでください。"},
    )
    still_admin = forms.BooleanField(required=False)
    make_admin = forms.BooleanField(required=False)
    email_personal = forms.ChoiceField(
        label="登録メールアドレスは今も本人だけが使う個人のアドレスか", choices=YES_NO, widget=forms.RadioSelect,
        required=False,
    )
    left_reason = forms.ChoiceField(
        label="理由", choices=RemovalReason.choices, widget=forms.RadioSelect, required=False
    )
    left_on = PastDateField(label="離れた日（退職・異動の日）", required=False)
    devices = forms.ChoiceField(
        label="貸与したIT機器", choices=DeviceReturn.choices, widget=forms.RadioSelect, required=False
    )

    def __init__(self, *args, staff, policy, **kwargs):
        super().__init__(*args, prefix=f"s{staff.pk}", **kwargs)
        self.staff, self.policy = staff, policy
        self.admin_now = is_admin_now(staff)
        if self.admin_now:
            del self.fields["make_admin"]
            self.admin_field = "still_admin"
            self.fields["still_admin"].label = keep_label(policy)
            self.fields["still_admin"].initial = True
        else:
            del self.fields["still_admin"]
            self.admin_field = "make_admin"
            self.fields["make_admin"].label = make_label(policy)
            self.fields["make_admin"].help_text = (
                "チェックすると、回答と同時にこの人がこの施設の"
                f"{policy.admin_label}になります（ログインのない人には、パスワードを決める招待のメールが届きます）。"
            )
        self.fields["email_personal"].shown_required = True  # for everyone who stays

    def clean(self):
        data = super().clean()
        if data.get("employed") == LEFT:
            for name in ("left_reason", "left_on", "devices"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, f"退職・異動した人は「{self.fields[name].label}」を選んでください。")
            started = self.staff.started_on
            if data.get("left_on") and started and data["left_on"] < started:
                self.add_error("left_on", "利用開始日より前の日付は入れられません。")
        elif data.get("employed") == STAYS and not data.get("email_personal") and "email_personal" not in self.errors:
            self.add_error("email_personal", "「はい」か「いいえ」を選んでください。")
        # A new administrator's login needs the person's own address (confirmation._check_answers).
        if (data.get(self.admin_field) and data.get("employed") != LEFT and data.get("email_personal") == "no"
                and not self.staff.holds_admin_role):
            self.add_error(self.admin_field, shared_address(self.policy, self.fields[self.admin_field].label))
        return data

    def may_stay_admin(self):
        """Whether the line, as answered so far (valid or not), may leave this person administrator."""
        data = getattr(self, "cleaned_data", {})
        return bool(data.get(self.admin_field)) and data.get("employed") != LEFT

    @property
    def leaving(self):
        """Chosen 退職・異動 (as sent, even when something else on the line is wrong): its details show."""
        return self["employed"].value() == LEFT or any(
            self[name].errors for name in ("left_reason", "left_on", "devices")
        )

    def answer(self):
        data = self.cleaned_data
        if data["employed"] == LEFT:
            return StaffAnswer(
                still_employed=False, left_reason=data["left_reason"], left_on=data["left_on"],
                devices=data["devices"],
            )
        return StaffAnswer(
            still_employed=True, still_admin=data[self.admin_field], email_personal=data["email_personal"] == "yes"
        )
