"""Two-factor devices for tests that go through the real pages (a plain Client, not VerifiedClient)."""

import re

from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from tests.factories import PASSWORD


def totp_device(user):
    return TOTPDevice.objects.create(user=user, name=services.TOTP_DEVICE_NAME, confirmed=True)


def backup_codes(user):
    return services.backup_codes_regenerate(user=user)


def code(device, offset=0):
    """The six digits the person's app shows now (offset: steps of 30 seconds)."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0 - offset * device.step, drift=0):06d}"


def login(client, user, password=PASSWORD, **extra):
    return client.post(reverse("accounts:login"), {"username": user.email, "password": password, **extra})


def sign_in(user, device):
    """A plain client through the real pages: password, then the code."""
    client = Client()
    assert login(client, user).status_code == 302
    response = client.post(reverse("accounts:two-factor"), {"code": code(device)})
    assert response.status_code == 302, response.content.decode()
    return client


def without_tokens(html):
    """A page with its per-request CSRF token blanked, to compare two answers."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def static_codes_left(user):
    return sum(d.token_set.count() for d in StaticDevice.objects.filter(user=user))


def reset_link(user, generator=default_token_generator):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("accounts:password-reset-confirm", args=[uid, generator.make_token(user)])


class TokenMadeAgo(PasswordResetTokenGenerator):
    """Makes reset tokens as if issued `ago` before now (Django dates them with _now())."""

    def __init__(self, ago):
        super().__init__()
        self.ago = ago

    def _now(self):
        return super()._now() - self.ago
