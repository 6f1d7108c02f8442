import pytest
from django.core import mail
from django.db import IntegrityError
from django.urls import reverse

from accounts.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_email_is_unique_case_insensitively_in_the_database():
    UserFactory(email="Taro@Example.jp")
    with pytest.raises(IntegrityError):
        User.objects.create(email="taro@example.JP", full_name="別人")


@pytest.mark.argon2
def test_create_user_stores_a_lowercase_email_and_argon2_hash():
    user = User.objects.create_user("Hanako@Example.JP", PASSWORD, full_name="花子")
    assert user.email == "hanako@example.jp"
    assert user.password.startswith("argon2$argon2id$")


def test_login_page_is_japanese(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'lang="ja"' in body and "メールアドレス" in body and "ログイン" in body


def test_login_by_email_any_case_leads_home(client):
    UserFactory(email="sato@example.jp")
    response = client.post(reverse("accounts:login"), {"username": "SATO@example.jp", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_login_rotates_the_session_key(client):
    UserFactory(email="rotate@example.jp")
    client.get(reverse("accounts:login"))
    client.cookies["sessionid"] = "attacker-chosen-session-id"
    client.post(reverse("accounts:login"), {"username": "rotate@example.jp", "password": PASSWORD})
    assert client.cookies["sessionid"].value != "attacker-chosen-session-id"


def test_same_answer_for_unknown_user_and_wrong_password(client):
    UserFactory(email="known@example.jp")
    unknown = client.post(reverse("accounts:login"), {"username": "nobody@example.jp", "password": "x" * 14})
    wrong = client.post(reverse("accounts:login"), {"username": "known@example.jp", "password": "x" * 14})
    assert unknown.status_code == wrong.status_code == 200
    assert unknown.context["form"].errors == wrong.context["form"].errors
    assert "メールアドレスまたはパスワードが正しくありません" in unknown.content.decode()


def test_password_reset_sends_a_japanese_mail_and_the_link_works_once(client):
    user = UserFactory(email="reset@example.jp")
    response = client.post(reverse("accounts:password-reset"), {"email": "RESET@example.jp"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "パスワード再設定" in message.subject
    link = next(line for line in message.body.splitlines() if "/accounts/password/reset/" in line)
    path = link.split("://", 1)[1].split("/", 1)[1]
    confirm = client.get("/" + path, follow=True)
    assert confirm.context["validlink"]
    new = "Brand-New-Pass-2026!"
    done = client.post(confirm.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)
    # single use: the same link is now invalid
    again = client.get("/" + path, follow=True)
    assert not again.context["validlink"]


def test_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client):
    response = client.post(reverse("accounts:password-reset"), {"email": "ghost@example.jp"})
    assert response.status_code == 302
    assert response.url == reverse("accounts:password-reset-done")
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("password", "ok"),
    [("short-1A!", False), ("onlyletterslongenough", False), ("letters-and-symbols!", False),
     ("Letters123456789", False), ("Good-Password-2026!", True)],
)
def test_password_floor_13_chars_letters_digits_symbols(password, ok):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    if ok:
        validate_password(password)
    else:
        with pytest.raises(ValidationError):
            validate_password(password)
