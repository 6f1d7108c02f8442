"""The demo accounts can log in with what seed_demo prints; the admin's account actions; the home panel."""

import base64
import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.home import panels
from accounts.models import User
from demo import data

from .helpers import backup_codes, login, totp_device

pytestmark = pytest.mark.django_db

VERIFY = reverse("accounts:two-factor")


def _seed():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _printed(output, email):
    line = next(line for line in output.splitlines() if email in line and "TOTP" in line)
    match = re.search(r"TOTP ([A-Z2-7]+)\s+backup ((?:[a-z2-7]{8} ?)+)", line)
    return match.group(1), match.group(2).split()


def test_seed_demo_prints_a_secret_and_backup_codes_for_every_account():
    output = _seed()
    assert f"Password for every demo account: {data.DEMO_PASSWORD}" in output  # the old lines stay
    for user in User.objects.all():
        secret, codes = _printed(output, user.email)
        assert len(codes) == 3
        assert TOTPDevice.objects.get(user=user).bin_key == base64.b32decode(secret)


def test_seed_demo_twice_keeps_the_devices_and_tops_up_used_codes():
    first = _seed()
    email = "secretariat@matsubara.example.jp"
    secret, codes = _printed(first, email)
    client = Client()
    login(client, User.objects.get(email=email), password=data.DEMO_PASSWORD)
    assert client.post(VERIFY, {"code": codes[0]}).status_code == 302  # one code used up
    again_secret, again_codes = _printed(_seed(), email)
    assert again_secret == secret
    assert again_codes[:2] == codes[1:] and again_codes[2] not in codes
    assert TOTPDevice.objects.filter(user__email=email).count() == 1
    assert StaticDevice.objects.filter(user__email=email).count() == 1


@pytest.mark.parametrize("kind", ["backup", "totp"])
def test_a_newcomer_logs_in_to_a_demo_account_with_what_was_printed(kind):
    output = _seed()
    email = "secretariat@matsubara.example.jp"
    secret, codes = _printed(output, email)
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": email, "password": data.DEMO_PASSWORD}, follow=True
    )
    assert "確認コード" in response.content.decode()
    second = codes[0] if kind == "backup" else f"{totp(base64.b32decode(secret)):06d}"
    response = client.post(VERIFY, {"code": second})
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.get(reverse("accounts:security")).status_code == 200


def test_the_admin_can_reset_a_lost_second_factor(client, world):
    user = world.admin_a
    totp_device(user)
    backup_codes(user)
    client.force_login(world.superuser)
    response = client.post(
        reverse("admin:accounts_user_changelist"), {"action": "reset_two_factor", "_selected_action": [user.pk]}
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    assert login(Client(), user).url.startswith(reverse("accounts:two-factor-setup"))


def test_the_admin_action_deactivates_and_the_person_cannot_log_in(client, world):
    user = world.admin_a
    client.force_login(world.superuser)
    client.post(reverse("admin:accounts_user_changelist"), {"action": "deactivate", "_selected_action": [user.pk]})
    user.refresh_from_db()
    assert not user.is_active
    assert login(Client(), user).status_code == 200  # the usual "wrong e-mail or password"


def test_the_home_panel_counts_backup_codes_and_asks_for_new_ones_when_few(world):
    user = world.admin_a
    codes = backup_codes(user)
    (panel,) = panels(user)
    assert panel.items[0].count == len(codes) and "残りが" not in panel.note
    StaticDevice.objects.get(user=user, name="バックアップコード").token_set.exclude(token__in=codes[:2]).delete()
    (panel,) = panels(user)
    assert panel.items[0].count == 2 and "バックアップコードの残りが2個" in panel.note
