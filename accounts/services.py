"""Every write to an account: passwords, two-factor devices, deactivation.

Keyword-only functions, each in one transaction. Two-factor verification is the exception
that proves the rule: its failed attempts must be stored (django-otp throttles on them),
so it never raises inside its own transaction.
"""

import re
import unicodedata

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp import verify_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from . import passwords

BACKUP_CODE_COUNT = 10
TOTP_DEVICE_NAME = "認証アプリ"
BACKUP_DEVICE_NAME = "バックアップコード"


# --- Passwords ------------------------------------------------------------------------------


@transaction.atomic
def password_set(*, user, password):
    """Set a new password: the portal's floor, then the programs' policies, then store the date."""
    validate_password(password, user)
    blocked = passwords.blocks(passwords.policy_notes(user, password=password))
    if blocked:
        raise ValidationError(blocked, code="password_policy")
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.full_clean(exclude=["password"])
    user.save(update_fields=["password", "password_changed_at"])
    return user


@transaction.atomic
def user_deactivate(*, user):
    """Stop an account. Its sessions end at their next request: Django's auth refuses inactive users."""
    user.is_active = False
    user.full_clean(exclude=["password"])
    user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def user_reactivate(*, user):
    """Let a stopped account log in again."""
    user.is_active = True
    user.full_clean(exclude=["password"])
    user.save(update_fields=["is_active"])
    return user


# --- Two-factor -----------------------------------------------------------------------------


def new_totp_key():
    return random_hex(20)


def normalise_code(value):
    """What people type from an app or a printout: 全角 digits, spaces, hyphens, any case."""
    value = unicodedata.normalize("NFKC", value or "")
    return re.sub(r"[\s\-‐ー−]", "", value).lower()


def looks_like_totp(code):
    return len(code) == 6 and code.isdigit()


def _totp_match(key, code):
    """The TOTP state that accepted a six-digit code for a key not yet stored, or None."""
    if not looks_like_totp(code):
        return None
    totp = TOTP(bytes.fromhex(key), step=30, t0=0, digits=6)
    return totp if totp.verify(int(code), tolerance=1) else None


@transaction.atomic
def two_factor_enrol(*, user, key, code):
    """Confirm a new authenticator app from its first code; returns (device, new backup codes).

    Replaces the user's previous app (a new phone). Backup codes are created on the first
    enrolment only: re-enrolling keeps the sheet the person already printed.
    """
    totp = _totp_match(key, normalise_code(code))
    if totp is None:
        raise ValidationError({"code": "確認コードが正しくありません。アプリに表示された6桁の数字を入力してください。"})
    TOTPDevice.objects.filter(user=user).delete()
    # last_t: the code just used cannot be replayed to log in.
    device = TOTPDevice(
        user=user, name=TOTP_DEVICE_NAME, key=key, confirmed=True, last_t=totp.t(), drift=totp.drift
    )
    device.full_clean()
    device.save()
    codes = []
    if not StaticToken.objects.filter(device__user=user).exists():
        codes = backup_codes_regenerate(user=user)
    return device, codes


@transaction.atomic
def backup_codes_regenerate(*, user):
    """A fresh sheet of backup codes; the old ones stop working."""
    device = StaticDevice.objects.filter(user=user, name=BACKUP_DEVICE_NAME).first()
    if device is None:
        device = StaticDevice(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
        device.full_clean()
        device.save()
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def has_two_factor(user):
    """Whether any second factor (an app or backup codes) is stored for the user."""
    return TOTPDevice.objects.filter(user=user).exists() or StaticDevice.objects.filter(user=user).exists()


@transaction.atomic
def two_factor_reset(*, user):
    """Forget every device (a lost phone and a lost sheet): the next login enrols again."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


class TooManyAttempts(Exception):
    pass


def two_factor_verify(*, user, code):
    """The confirmed device that accepts `code`, or None.

    Six digits are tried on the authenticator app, anything else on the backup codes, so a
    mistyped code never counts against the other kind. Raises TooManyAttempts while
    django-otp's back-off (1, 2, 4, 8 ... seconds after each failure) is running.
    Each attempt commits on its own (verify_token's transaction) so failures are counted.
    """
    code = normalise_code(code)
    model = TOTPDevice if looks_like_totp(code) else StaticDevice
    for device in model.objects.devices_for_user(user, confirmed=True):
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            raise TooManyAttempts
        verified = verify_token(user, device.persistent_id, code)
        if verified is not None:
            return verified
    return None


def backup_codes_left(user):
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


LOW_BACKUP_CODES = 3


def backup_codes_reminder(left):
    """What to tell someone whose sheet of backup codes is running out ("" while enough are left)."""
    if left > LOW_BACKUP_CODES:
        return ""
    return f"バックアップコードの残りが{left}個です。アカウントのセキュリティ画面で作り直してください。"
