import base64
import io

from django.contrib import messages
from django.contrib.auth import password_validation
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.qr import write_qrcode_image

from core.views import show_warnings
from policy.rules import profile

from . import forms, hooks, passwords, services
from .middleware import second_factor_url, two_factor_required

SETUP_KEY = "accounts_totp_setup_key"  # the secret being enrolled, until its first code is confirmed
FRESH_CODES = "accounts_fresh_backup_codes"  # shown once on the security page, then gone
# The menu names the person's programs and facilities: not for someone who has only the password.
NO_MENU = {"nav_items": []}


def _next_url(request, default="home"):
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return candidate
    return reverse(default)


def _password_rules(user):
    return [(profile(v).policy_title, profile(v).password_rule) for v in user.policy_variants()]


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = forms.LoginForm

    def get_context_data(self, **kwargs):
        # An applicant without a login often lands here: show where each network's form is.
        programs = [program for found in hooks.public_programs.call() for program in found]
        return super().get_context_data(apply_programs=programs, **kwargs)

    def form_valid(self, form):
        user = form.get_user()
        super().form_valid(form)  # login() gives the session a new id
        notes = passwords.policy_notes(
            user, password=form.cleaned_data["password"], days_since_change=user.password_age_days()
        )
        show_warnings(self.request, notes)  # blocks too: the next page is where to change it
        next_url = reverse("accounts:password-change") if passwords.blocks(notes) else self.get_success_url()
        if two_factor_required(user):
            return redirect_to_login(next_url, second_factor_url(user))
        return HttpResponseRedirect(next_url)


@require_http_methods(["GET", "POST"])
def two_factor(request):
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    if not user_has_device(user, confirmed=True):
        return redirect_to_login(_next_url(request), reverse("accounts:two-factor-setup"))
    form = forms.TwoFactorVerifyForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        otp_login(request, form.device)
        request.session.cycle_key()  # fully signed in now: a new session id again
        reminder = services.backup_codes_reminder(services.backup_codes_left(user))
        if isinstance(form.device, StaticDevice) and reminder:
            messages.warning(request, reminder)
        return redirect(_next_url(request))
    return render(request, "accounts/two_factor.html", {"form": form, "next": _next_url(request), **NO_MENU})


def _qr_data_uri(config_url):
    out = io.BytesIO()
    write_qrcode_image(config_url, out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    user = request.user
    if not user.is_verified() and user_has_device(user, confirmed=True):
        # Replacing an app needs the current second factor first.
        return redirect_to_login(_next_url(request), reverse("accounts:two-factor"))
    key = request.session.get(SETUP_KEY) or services.new_totp_key()
    request.session[SETUP_KEY] = key
    form = forms.TwoFactorSetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.two_factor_enrol(user=user, key=key, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            del request.session[SETUP_KEY]
            otp_login(request, device)
            request.session.cycle_key()
            messages.success(request, "二要素認証を設定しました。")
            if not codes:
                return redirect(_next_url(request))
            request.session[FRESH_CODES] = codes
            return redirect_to_login(_next_url(request), reverse("accounts:security"))
    pending = TOTPDevice(user=user, key=key)
    secret = base64.b32encode(pending.bin_key).decode()
    context = {
        "form": form,
        "qr": _qr_data_uri(pending.config_url),
        # The same secret as a link: a phone cannot scan the QR code on its own screen.
        "otpauth_url": pending.config_url,
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "replacing": user.is_verified(),
        "next": _next_url(request),
        **({} if user.is_verified() else NO_MENU),
    }
    return render(request, "accounts/two_factor_setup.html", context)


def security(request):
    user = request.user
    context = {
        "has_app": TOTPDevice.objects.devices_for_user(user, confirmed=True).exists(),
        "backup_codes_left": services.backup_codes_left(user),
        # A local date: the wareki filter would take an aware datetime's UTC date.
        "password_changed_on": user.password_changed_at and timezone.localdate(user.password_changed_at),
        "fresh_codes": request.session.pop(FRESH_CODES, None),
        "password_rules": _password_rules(user),
        "next": _next_url(request),
    }
    return render(request, "accounts/security.html", context)


@require_POST
def backup_codes_regenerate(request):
    request.session[FRESH_CODES] = services.backup_codes_regenerate(user=request.user)
    messages.success(request, "新しいバックアップコードを作りました。前のコードは使えなくなりました。")
    return redirect("accounts:security")


class PasswordPolicyViewMixin:
    """Shows the programs' rules on the page and their warnings after saving; a late block is a form error."""

    def get_context_data(self, **kwargs):
        user = getattr(self, "user", None) or self.request.user
        rules = _password_rules(user) if user.is_authenticated else []
        # Django's rules as a list for accounts/_password_help.html (its help_text is HTML).
        help_texts = password_validation.password_validators_help_texts()
        return super().get_context_data(password_rules=rules, password_help=help_texts, **kwargs)

    def form_valid(self, form):
        try:
            response = super().form_valid(form)
        except ValidationError as error:
            form.add_error("new_password1", error)
            return self.form_invalid(form)
        show_warnings(self.request, form.policy_warnings)
        return response


class PasswordChangeView(PasswordPolicyViewMixin, auth_views.PasswordChangeView):
    form_class = forms.PasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password-change-done")


class PasswordResetConfirmView(PasswordPolicyViewMixin, auth_views.PasswordResetConfirmView):
    form_class = forms.SetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")
