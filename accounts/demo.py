"""Two-factor devices for the demo accounts (called by demo's seed_demo), so a newcomer can log in."""

import base64

from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .services import BACKUP_DEVICE_NAME, TOTP_DEVICE_NAME

CODES_SHOWN = 3


def seed_two_factor(user):
    """(TOTP secret in base32, a few unused backup codes). Keeps existing devices; tops codes up."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=True)
    backup, _ = StaticDevice.objects.get_or_create(user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True})
    codes = list(backup.token_set.order_by("pk").values_list("token", flat=True)[:CODES_SHOWN])
    while len(codes) < CODES_SHOWN:
        codes.append(backup.token_set.create(token=StaticToken.random_token()).token)
    return base64.b32encode(device.bin_key).decode(), codes
