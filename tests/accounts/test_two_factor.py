"""Two-factor authentication through the real pages: a plain Client, codes computed as an app would."""

import base64
import datetime
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.views import SETUP_KEY
from tests.factories import UserFactory
from tests.foundation.test_url_walk import all_url_names
from tests.walk import PROVIDERS

from .helpers import backup_codes, code, login, sign_in, static_codes_left, totp_device

pytestmark = pytest.mark.django_db

VERIFY = reverse("accounts:two-factor")
SETUP = reverse("accounts:two-factor-setup")
HOME = reverse("home")


def _setup_code(client):
    key = client.session[SETUP_KEY]
    return f"{totp(bytes.fromhex(key)):06d}"


@pytest.mark.parametrize("who", ["secretariat_a", "admin_a", "coordinator_a", "superuser"])
def test_every_role_and_the_admin_must_set_up_two_factor_at_first_login(who, world):
    user = getattr(world, who)
    client = Client()
    response = login(client, user)
    assert response.status_code == 302 and response.url.startswith(SETUP)
    assert client.get(HOME).url.startswith(SETUP)  # no page until it is done


def test_a_user_without_any_role_is_not_asked(db):
    user = UserFactory()
    client = Client()
    assert login(client, user).url == HOME
    assert client.get(HOME).status_code == 200


def test_anyone_who_set_up_a_device_is_asked_even_without_a_role(db):
    user = UserFactory()
    totp_device(user)
    client = Client()
    assert login(client, user).url.startswith(VERIFY)


def test_enrolment_shows_a_qr_code_and_the_secret_and_changes_nothing_on_get(world):
    client = Client()
    login(client, world.coordinator_a)
    response = client.get(SETUP)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in body
    secret = re.search(r'class="secret">([A-Z2-7 ]+)<', body).group(1).replace(" ", "")
    assert base64.b32decode(secret).hex() == client.session[SETUP_KEY]
    assert not TOTPDevice.objects.filter(user=world.coordinator_a).exists()
    client.get(SETUP)
    assert client.session[SETUP_KEY] == base64.b32decode(secret).hex()  # a reload keeps the same QR code


def test_enrolment_offers_the_same_secret_as_a_link_for_the_phone_showing_the_page(world):
    client = Client()
    login(client, world.coordinator_a)
    body = client.get(SETUP).content.decode()
    link = re.search(r'<a class="button" href="(otpauth://totp/[^"]+)">このスマートフォンの認証アプリに追加する</a>', body)
    assert link is not None
    secret = re.search(r"secret=([A-Z2-7]+)", link.group(1)).group(1)
    assert base64.b32decode(secret).hex() == client.session[SETUP_KEY]


def test_enrolment_with_a_wrong_code_saves_nothing(world):
    client = Client()
    login(client, world.coordinator_a)
    client.get(SETUP)
    response = client.post(SETUP, {"code": "000000" if _setup_code(client) != "000000" else "111111"})
    assert response.status_code == 200
    assert "確認コードが正しくありません" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=world.coordinator_a).exists()
    assert client.get(HOME).url.startswith(SETUP)


def test_enrolment_confirms_the_app_and_shows_ten_backup_codes_once(world):
    user = world.coordinator_a
    client = Client()
    login(client, user, next=reverse("accounts:password-change"))
    client.get(SETUP)
    response = client.post(SETUP, {"code": _setup_code(client), "next": reverse("accounts:password-change")})
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:security"))
    page = client.get(response.url).content.decode()
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", page)
    assert len(codes) == 10
    assert f'href="{reverse("accounts:password-change")}"' in page  # carries on where the person was going
    assert "<li>" + codes[0] + "</li>" not in client.get(reverse("accounts:security")).content.decode()
    assert TOTPDevice.objects.get(user=user).confirmed
    assert client.get(HOME).status_code == 200
    assert static_codes_left(user) == 10


def test_the_enrolment_code_cannot_be_replayed_to_log_in(world):
    user = world.coordinator_a
    client = Client()
    login(client, user)
    client.get(SETUP)
    used = _setup_code(client)
    client.post(SETUP, {"code": used})
    other = Client()
    login(other, user)
    assert "確認コードが正しくありません" in other.post(VERIFY, {"code": used}).content.decode()


def test_login_with_the_app_code_in_full_width_digits(world):
    device = totp_device(world.admin_a)
    client = Client()
    response = login(client, world.admin_a)
    assert response.url.startswith(VERIFY)
    full_width = code(device).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    response = client.post(VERIFY, {"code": full_width[:3] + " " + full_width[3:]})
    assert response.status_code == 302 and response.url == HOME
    assert client.get(HOME).status_code == 200


def test_the_second_factor_gives_a_new_session_id(world):
    device = totp_device(world.admin_a)
    client = Client()
    login(client, world.admin_a)
    before = client.session.session_key
    client.post(VERIFY, {"code": code(device)})
    assert client.session.session_key != before


def test_a_wrong_code_is_refused_and_counted_even_though_the_page_fails(world):
    device = totp_device(world.admin_a)
    client = Client()
    login(client, world.admin_a)
    wrong = f"{(int(code(device)) + 1) % 1_000_000:06d}"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 200 and "確認コードが正しくありません" in response.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    # and the right code straight after is held back by the back-off ...
    assert "しばらく受け付けません" in client.post(VERIFY, {"code": code(device)}).content.decode()
    assert client.get(HOME).url.startswith(VERIFY)
    # ... until the wait is over
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - datetime.timedelta(seconds=5)
    )
    assert client.post(VERIFY, {"code": code(device)}).url == HOME


def test_a_backup_code_works_once(world):
    user = world.secretariat_a
    totp_device(user)
    codes = backup_codes(user)
    first = Client()
    login(first, user)
    assert first.post(VERIFY, {"code": codes[0].upper()}).url == HOME
    second = Client()
    login(second, user)
    response = second.post(VERIFY, {"code": codes[0]})
    assert "確認コードが正しくありません" in response.content.decode()
    assert static_codes_left(user) == 9


def test_a_mistyped_backup_code_does_not_slow_down_the_app(world):
    user = world.secretariat_a
    device = totp_device(user)
    backup_codes(user)
    client = Client()
    login(client, user)
    client.post(VERIFY, {"code": "zzzzzzzz"})
    device.refresh_from_db()
    assert device.throttling_failure_count == 0
    assert client.post(VERIFY, {"code": code(device)}).url == HOME


def test_the_admin_site_needs_the_second_factor_too(world):
    superuser = world.superuser
    device = totp_device(superuser)
    client = Client()
    response = client.post(reverse("admin:login"), {"username": superuser.email, "password": "Test-Password-2026!"})
    assert response.status_code == 302
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response.url.startswith(VERIFY)
    assert client.get(reverse("admin:accounts_user_changelist")).url.startswith(VERIFY)
    client.post(VERIFY, {"code": code(device)})
    assert client.get(reverse("admin:index")).status_code == 200


def _private_urls():
    # Every URL whose view is not public (login_not_required), the walk's own rule, so that
    # apps' new URLs are covered the day they land.
    exempt = {"accounts:logout", "accounts:two-factor", "accounts:two-factor-setup"}
    return sorted(
        name for name, pattern in all_url_names().items()
        if getattr(pattern.callback, "login_required", True) and name not in exempt
    )


@pytest.mark.parametrize("name", _private_urls())
def test_every_private_url_waits_for_the_second_factor(name, world):
    totp_device(world.insider_a)
    client = Client()
    login(client, world.insider_a)
    # The objects need not exist: the second factor is asked before any view runs.
    pattern = all_url_names()[name]
    kwargs = {arg: PROVIDERS[arg](world) if arg in PROVIDERS else 1 for arg in pattern.pattern.converters}
    url = reverse(name, kwargs=kwargs)
    for response in (client.get(url), client.post(url, {})):
        assert response.status_code == 302, f"{name} answered {response.status_code} before the second factor"
        assert response.url.startswith(VERIFY), f"{name} redirected to {response.url}"


def test_password_change_waits_for_the_second_factor(world):
    # Someone holding only the password must not be able to change it and lock the owner out.
    totp_device(world.admin_a)
    client = Client()
    login(client, world.admin_a)
    response = client.post(reverse("accounts:password-change"), {
        "old_password": "Test-Password-2026!", "new_password1": "Another-Pass-2026!", "new_password2": "Another-Pass-2026!",
    })
    assert response.url.startswith(VERIFY)
    world.admin_a.refresh_from_db()
    assert world.admin_a.check_password("Test-Password-2026!")


def test_logout_works_before_the_second_factor(world):
    totp_device(world.admin_a)
    client = Client()
    login(client, world.admin_a)
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(HOME).url.startswith(reverse("accounts:login"))


def test_replacing_the_app_needs_the_current_second_factor(world):
    user = world.admin_a
    totp_device(user)
    client = Client()
    login(client, user)
    assert client.get(SETUP).url.startswith(VERIFY)
    assert client.post(SETUP, {"code": "123456"}).url.startswith(VERIFY)


def test_a_signed_in_person_can_move_to_a_new_phone_and_keeps_the_backup_codes(world):
    user = world.admin_a
    old = totp_device(user)
    codes = backup_codes(user)
    client = sign_in(user, old)
    page = client.get(SETUP).content.decode()
    assert "認証アプリの変更" in page
    response = client.post(SETUP, {"code": _setup_code(client)})
    assert response.status_code == 302 and response.url == HOME
    assert list(TOTPDevice.objects.filter(user=user)) != [old] and TOTPDevice.objects.filter(user=user).count() == 1
    assert static_codes_left(user) == len(codes)


def test_the_next_parameter_never_leaves_the_site(world):
    device = totp_device(world.admin_a)
    client = Client()
    login(client, world.admin_a)
    response = client.post(VERIFY, {"code": code(device), "next": "https://evil.example/"})
    assert response.url == HOME


def test_two_factor_pages_send_anonymous_people_to_login(client):
    for url in (VERIFY, SETUP, reverse("accounts:security")):
        response = Client().get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_regenerating_backup_codes_is_post_only_and_retires_the_old_ones(world, client):
    user = world.admin_a
    old = backup_codes(user)
    client.force_login(user)
    url = reverse("accounts:backup-codes-regenerate")
    assert client.get(url).status_code == 405
    assert Client().post(url).status_code == 302  # anonymous: to the login page
    response = client.post(url, follow=True)
    fresh = re.findall(r"<li>([a-z2-7]{8})</li>", response.content.decode())
    assert len(fresh) == 10 and not set(fresh) & set(old)
    device = StaticDevice.objects.get(user=user, name="バックアップコード")
    assert sorted(device.token_set.values_list("token", flat=True)) == sorted(fresh)


def test_the_security_page_shows_the_state_of_the_account(world, client):
    user = world.admin_a
    totp_device(user)
    backup_codes(user)
    client.force_login(user)
    body = client.get(reverse("accounts:security")).content.decode()
    assert "設定済み" in body and "10個" in body
    assert "<li>" not in body.split("バックアップコードの残り")[0].split("<main")[1]  # no codes on a plain visit


def test_no_setting_turns_two_factor_off():
    middleware = settings.MIDDLEWARE
    assert middleware.index("accounts.middleware.OTPRequiredMiddleware") > middleware.index(
        "django_otp.middleware.OTPMiddleware"
    )
    assert not [name for name in dir(settings) if "OTP" in name and ("DISABLE" in name or "ENABLED" in name)]


def test_the_second_factor_pages_show_no_menu_of_programs_or_facilities(world):
    totp_device(world.insider_a)
    client = Client()
    login(client, world.insider_a)
    body = client.get(VERIFY).content.decode()
    assert world.facility_a.name not in body and world.program_a.name not in body
    other = Client()
    login(other, world.admin_a)
    assert world.facility_a.name not in other.get(SETUP).content.decode()


@pytest.mark.parametrize("url_name", ["accounts:two-factor", "accounts:two-factor-setup", "accounts:backup-codes-regenerate"])
def test_state_changes_need_the_csrf_token(url_name, world):
    user = world.admin_a
    device = totp_device(user)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(reverse(url_name), {"code": code(device)}).status_code == 403
    device.refresh_from_db()
    assert device.last_t == -1 and device.throttling_failure_count == 0
