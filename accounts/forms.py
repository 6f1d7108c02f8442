from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.core.mail import send_mass_mail

from core import emails

from . import passwords, services


class LoginForm(auth_forms.AuthenticationForm):
    username = forms.EmailField(label="メールアドレス", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}))

    error_messages = {
        # One answer for unknown users, wrong passwords and inactive accounts.
        "invalid_login": "メールアドレスまたはパスワードが正しくありません。",
        "inactive": "メールアドレスまたはパスワードが正しくありません。",
    }


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, its mail rendered as plain text like every other (core.emails)."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        # Nothing is written that the mail should wait for: it leaves at once, as Django sends it.
        send_mass_mail([emails.message(email_template_name.removesuffix(".txt"), context, [to_email])])


class PolicyPasswordMixin:
    """The programs' password rules on top of the floor: blocks are errors, warnings kept for the view.

    Saving goes through services.password_set, which also records when the password changed.
    """

    policy_warnings = ()

    def validate_password_for_user(self, user, *_field_name, **_kwargs):
        # What is wrong with the password itself (too short, too common) goes under the new
        # password, where it was typed; only a mismatch belongs under 確認用 (Django puts both there).
        super().validate_password_for_user(user, "new_password1")

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("new_password2")
        if password and not self.has_error("new_password2") and not self.has_error("new_password1"):
            notes = passwords.policy_notes(self.user, password=password)
            for text in passwords.blocks(notes):
                self.add_error("new_password1", text)
            self.policy_warnings = passwords.warnings(notes)
        return cleaned

    def save(self, commit=True):
        return services.password_set(user=self.user, password=self.cleaned_data["new_password1"])


class PasswordChangeForm(PolicyPasswordMixin, auth_forms.PasswordChangeForm):
    error_messages = {
        **auth_forms.PasswordChangeForm.error_messages,
        "password_incorrect": "現在のパスワードが正しくありません。",
        "password_mismatch": "確認用のパスワードが一致しません。",
    }


class SetPasswordForm(PolicyPasswordMixin, auth_forms.SetPasswordForm):
    error_messages = {
        **auth_forms.SetPasswordForm.error_messages,
        "password_mismatch": "確認用のパスワードが一致しません。",
    }


class AdminPasswordChangeForm(auth_forms.AdminPasswordChangeForm):
    """The admin's "change password" for someone else: same service, so the date is recorded."""

    def save(self, commit=True):
        if self.cleaned_data.get("usable_password") == "false":
            return super().save(commit)
        return services.password_set(user=self.user, password=self.cleaned_data["password1"])


class CodeField(forms.CharField):
    def __init__(self, **kwargs):
        attrs = {"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True, "size": 12}
        super().__init__(max_length=32, widget=forms.TextInput(attrs=attrs), **kwargs)

    def to_python(self, value):
        return services.normalise_code(super().to_python(value))


class TwoFactorVerifyForm(forms.Form):
    code = CodeField(
        label="確認コード", help_text="認証アプリの6桁の数字、またはバックアップコード（英数字8文字）を入力してください。"
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        self.device = None
        super().__init__(*args, **kwargs)

    def clean_code(self):
        code = self.cleaned_data["code"]
        try:
            self.device = services.two_factor_verify(user=self.user, code=code)
        except services.TooManyAttempts:
            raise ValidationError("確認コードの誤りが続いたため、しばらく受け付けません。少し待ってからお試しください。") from None
        if self.device is None:
            raise ValidationError("確認コードが正しくありません。")
        return code


class TwoFactorSetupForm(forms.Form):
    code = CodeField(label="確認コード", help_text="アプリに表示された6桁の数字を入力してください。")
