from django import forms
from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    username = forms.EmailField(label="メールアドレス", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}))

    error_messages = {
        # One answer for unknown users, wrong passwords and inactive accounts.
        "invalid_login": "メールアドレスまたはパスワードが正しくありません。",
        "inactive": "メールアドレスまたはパスワードが正しくありません。",
    }
