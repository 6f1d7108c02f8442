"""Steps shared by the journeys: logging in the way a person does (password, then the OTP code),
reading the e-mails the portal sent, and the people each journey starts from."""

import base64
import re

from django.conf import settings
from django.core import mail
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services as account_services
from facilities.models import RoleKind
from tests.conftest import VerifiedClient
from tests.factories import PASSWORD, FacilityFactory, ProgramFactory, RoleFactory, UserFactory

SECRETARIAT_EMAIL = "jimukyoku@example.jp"


def totp_code(user):
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def code_for_secret(secret):
    """The six digits an authenticator app shows for the key typed from the setup page."""
    key = base64.b32decode(secret.replace(" ", ""))
    return f"{totp(key):06d}"


def field(page, label):
    """The control whose label reads `label` (the red 必須 beside it is part of the label's text)."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}\s*(必須)?$"))


def said(page, text):
    """The message the portal showed after the last step (one of possibly several)."""
    return page.get_by_role("status").filter(has_text=text)


def log_in(page, email, password):
    if "/accounts/login/" not in page.url:  # else stay: the page knows where to go next
        page.goto("/accounts/login/")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_load_state()


def sign_in(page, user, password=PASSWORD):
    """Password, then the code from the person's app: each user signs in once per journey,
    since django-otp accepts a code only once per 30-second step."""
    log_in(page, user.email, password)
    field(page, "確認コード").fill(totp_code(user))
    page.get_by_role("button", name="確認する").click()
    page.wait_for_load_state()


def sign_in_browser(context, live_server, user):
    """The session of a person who typed their password and code, handed to a browser context:
    for tests that visit many pages rather than test signing in."""
    client = VerifiedClient()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def log_out(page):
    page.get_by_role("button", name="ログアウト").click()
    page.wait_for_load_state()


def mail_to(address, subject_part=""):
    found = [m for m in mail.outbox if address in m.to and subject_part in m.subject]
    assert found, f"no mail to {address} about {subject_part!r}: {[(m.to, m.subject) for m in mail.outbox]}"
    return found[-1]


def link_in(message, fragment):
    """The path of the first link in the mail containing `fragment`; the live server has its
    own host and port, while the mails carry settings.SITE_URL."""
    paths = [path for path in re.findall(r"https?://[^/\s]+(/\S*)", message.body) if fragment in path]
    assert paths, f"no link with {fragment!r} in:\n{message.body}"
    return paths[0]


def with_app(user):
    """The person has already set up an authenticator app (their TOTP device)."""
    TOTPDevice.objects.create(user=user, name=account_services.TOTP_DEVICE_NAME, confirmed=True)
    return user


def program_run_by_secretariat(variant):
    """A program of the variant with one secretariat member who signs in with password and app."""
    program = ProgramFactory(variant=variant, secretariat_email=SECRETARIAT_EMAIL, secretariat_name="テスト医師会")
    secretary = UserFactory(full_name="事務局 花子", email="hanako.jimu@example.jp")
    RoleFactory(kind=RoleKind.SECRETARIAT, program=program, facility=None, user=secretary)
    return program, with_app(secretary)


def facility_with_admin(program):
    """An approved facility of the program and its administrator (password and app set up)."""
    facility = FacilityFactory(program=program, name="みどり訪問看護ステーション", approved_on="2025-04-01")
    admin = UserFactory(full_name="管理 太郎", email="kanri.taro@example.jp")
    RoleFactory(kind=RoleKind.FACILITY_ADMIN, program=program, facility=facility, user=admin)
    return facility, with_app(admin)
