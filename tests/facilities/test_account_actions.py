"""The secretariat's account actions on the people page (issue 13): reset two-factor, stop and
restart a login, each recorded with who, when and why, within the program's own accounts."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from facilities import people
from facilities.models import AccountAction, AccountActionKind, RoleKind
from tests.conftest import VerifiedClient, make_world
from tests.factories import RoleFactory, UserFactory, coordinator_of, secretariat_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world(variant_a="musashimurayama", variant_b="iwakuni", lazy=True)


def with_two_factor(user):
    TOTPDevice.objects.create(user=user, name="認証アプリ", confirmed=True)
    StaticDevice.objects.create(user=user, name="バックアップコード", confirmed=True)
    return user


def url(name, world, user):
    return reverse(f"facilities:{name}", args=[world.program_a.slug, user.pk])


def signed_in(user):
    client = VerifiedClient()
    client.force_login(user)
    return client


# --- Services ---------------------------------------------------------------------------------


def test_two_factor_reset_forgets_every_device_and_is_recorded(world):
    person = with_two_factor(coordinator_of(world.facility_a))
    people.account_two_factor_reset(program=world.program_a, user=person, by=world.secretariat_a, reason="スマートフォンを紛失")
    assert not TOTPDevice.objects.filter(user=person).exists() and not StaticDevice.objects.filter(user=person).exists()
    action = AccountAction.objects.get(user=person)
    assert (action.kind, action.by, action.reason, action.program) == (
        AccountActionKind.TWO_FACTOR_RESET, world.secretariat_a, "スマートフォンを紛失", world.program_a
    )
    with pytest.raises(ValidationError, match="すでにリセット"):  # a second submit changes nothing
        people.account_two_factor_reset(program=world.program_a, user=person, by=world.secretariat_a, reason="再送信")
    assert AccountAction.objects.filter(user=person).count() == 1


def test_a_reason_is_required(world):
    person = with_two_factor(coordinator_of(world.facility_a))
    with pytest.raises(ValidationError, match="理由"):
        people.account_deactivate(program=world.program_a, user=person, by=world.secretariat_a, reason="  ")
    person.refresh_from_db()
    assert person.is_active and not AccountAction.objects.exists()


def test_deactivate_and_reactivate_keep_the_login_and_its_roles(world):
    person = coordinator_of(world.facility_a)
    people.account_deactivate(program=world.program_a, user=person, by=world.secretariat_a, reason="3月末で退職")
    person.refresh_from_db()
    assert not person.is_active and person.roles.filter(is_active=True).count() == 1
    with pytest.raises(ValidationError, match="すでに停止"):
        people.account_deactivate(program=world.program_a, user=person, by=world.secretariat_a, reason="二度目")
    people.account_reactivate(program=world.program_a, user=person, by=world.secretariat_a, reason="復職")
    person.refresh_from_db()
    assert person.is_active
    assert list(AccountAction.objects.filter(user=person).values_list("kind", flat=True)) == [
        AccountActionKind.REACTIVATE, AccountActionKind.DEACTIVATE
    ]
    assert person.history.first().history_user == world.secretariat_a


def test_an_account_used_by_another_network_is_not_the_secretariats_alone(world):
    person = with_two_factor(coordinator_of(world.facility_a))
    RoleFactory(kind=RoleKind.COORDINATOR, facility=world.facility_b, user=person)
    for act in (people.account_two_factor_reset, people.account_deactivate):
        with pytest.raises(ValidationError, match="ほかのネットワークでも使われています"):
            act(program=world.program_a, user=person, by=world.secretariat_a, reason="紛失")
    person.refresh_from_db()
    assert person.is_active and TOTPDevice.objects.filter(user=person).exists() and not AccountAction.objects.exists()


def test_a_revoked_role_elsewhere_does_not_count(world):
    person = coordinator_of(world.facility_a)
    RoleFactory(kind=RoleKind.COORDINATOR, facility=world.facility_b, user=person, is_active=False)
    people.account_deactivate(program=world.program_a, user=person, by=world.secretariat_a, reason="退職")
    person.refresh_from_db()
    assert not person.is_active


def test_only_the_full_secretariat_acts_and_never_on_itself_or_an_operator(world):
    person = coordinator_of(world.facility_a)
    reader = RoleFactory(kind=RoleKind.SECRETARIAT_READONLY, program=world.program_a, facility=None).user
    for by in (world.admin_a, reader, world.secretariat_b):
        with pytest.raises(ValidationError, match="権限がありません"):
            people.account_deactivate(program=world.program_a, user=person, by=by, reason="退職")
    with pytest.raises(ValidationError, match="自分のアカウント"):
        people.account_deactivate(program=world.program_a, user=world.secretariat_a, by=world.secretariat_a, reason="x")
    operator = coordinator_of(world.facility_a, user=UserFactory(is_staff=True))
    with pytest.raises(ValidationError, match="運用担当者"):
        people.account_deactivate(program=world.program_a, user=operator, by=world.secretariat_a, reason="x")
    person.refresh_from_db()
    assert person.is_active and not AccountAction.objects.exists()


def test_the_last_secretariat_member_stays(world):
    colleague = secretariat_of(world.program_a)
    people.account_deactivate(program=world.program_a, user=colleague, by=world.secretariat_a, reason="異動")
    # Only a superuser could now stop the last one; the network keeps one all the same.
    with pytest.raises(ValidationError, match="最後の事務局メンバー"):
        people.account_deactivate(program=world.program_a, user=world.secretariat_a, by=world.superuser, reason="異動")
    world.secretariat_a.refresh_from_db()
    assert world.secretariat_a.is_active


# --- Pages ------------------------------------------------------------------------------------


def test_confirm_then_deactivate_ends_the_persons_session(world):
    person = coordinator_of(world.facility_a)
    theirs = signed_in(person)
    assert theirs.get(reverse("home")).status_code == 200
    client = signed_in(world.secretariat_a)
    page = client.get(url("account-deactivate", world, person)).content.decode()
    assert person.email in page and "ログイン中の画面も次の操作で終了" in page
    person.refresh_from_db()
    assert person.is_active  # GET changes nothing
    response = client.post(url("account-deactivate", world, person), {"reason": "3月末で退職"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert not person.is_active
    gone = theirs.get(reverse("home"))
    assert gone.status_code == 302 and gone.url.startswith(reverse("accounts:login"))
    listing = client.get(reverse("facilities:people", args=[world.program_a.slug])).content.decode()
    assert "利用停止" in listing and "3月末で退職" in listing and url("account-reactivate", world, person) in listing
    again = client.post(url("account-deactivate", world, person), {"reason": "3月末で退職"})
    assert again.status_code == 200 and "すでに停止" in again.content.decode()
    assert AccountAction.objects.filter(user=person).count() == 1


def test_two_factor_reset_page_and_a_blank_reason(world):
    person = with_two_factor(coordinator_of(world.facility_a))
    client = signed_in(world.secretariat_a)
    blank = client.post(url("account-two-factor-reset", world, person), {"reason": ""})
    assert blank.status_code == 200 and TOTPDevice.objects.filter(user=person).exists()
    done = client.post(url("account-two-factor-reset", world, person), {"reason": "機種変更"}, follow=True)
    assert "二要素認証をリセットしました" in done.content.decode()
    assert not TOTPDevice.objects.filter(user=person).exists()


def test_another_networks_account_shows_why_and_no_button(world):
    person = coordinator_of(world.facility_a)
    RoleFactory(kind=RoleKind.SECRETARIAT, program=world.program_b, facility=None, user=person)
    page = signed_in(world.secretariat_a).get(url("account-deactivate", world, person)).content.decode()
    assert "ほかのネットワークでも使われています" in page and "アカウントを停止する</button>" not in page


def test_read_only_member_gets_403_and_outsiders_404(world):
    person = coordinator_of(world.facility_a)
    reader = RoleFactory(kind=RoleKind.SECRETARIAT_READONLY, program=world.program_a, facility=None).user
    client = signed_in(reader)
    assert client.get(url("account-deactivate", world, person)).status_code == 403
    assert client.post(url("account-deactivate", world, person), {"reason": "退職"}).status_code == 403
    # Program B's login through program A's page: not one of program A's people.
    stranger = reverse("facilities:account-deactivate", args=[world.program_a.slug, world.coordinator_b.pk])
    assert signed_in(world.secretariat_a).get(stranger).status_code == 404
    person.refresh_from_db()
    assert person.is_active


def test_people_page_queries_stay_pinned_with_account_actions(world, django_assert_max_num_queries):
    for n in range(4):
        person = coordinator_of(world.facility_a)
        people.account_deactivate(program=world.program_a, user=person, by=world.secretariat_a, reason=f"退職{n}")
    client = signed_in(world.secretariat_a)
    with django_assert_max_num_queries(15):
        page = client.get(reverse("facilities:people", args=[world.program_a.slug]))
    assert page.content.decode().count("利用再開") == 4


# --- The last secretariat member's role; the facility's last administrator ----------------------


def secretariat_role(program, user):
    return user.roles.get(program=program, kind=RoleKind.SECRETARIAT)


def test_the_only_secretariat_member_cannot_revoke_their_own_role(world):
    me = world.secretariat_a
    role = secretariat_role(world.program_a, me)
    with pytest.raises(ValidationError, match="最後の事務局メンバー"):
        people.role_revoke(role=role, by=me, reason="異動")
    role.refresh_from_db()
    assert role.is_active


def test_read_only_members_and_stopped_logins_do_not_count_as_secretariat(world):
    me = world.secretariat_a
    RoleFactory(kind=RoleKind.SECRETARIAT_READONLY, program=world.program_a, facility=None)
    stopped = secretariat_of(world.program_a)
    stopped.is_active = False
    stopped.save()
    with pytest.raises(ValidationError, match="閲覧のみの人は数えません"):
        people.role_revoke(role=secretariat_role(world.program_a, me), by=me, reason="異動")


def test_with_a_second_member_one_role_may_go_and_then_the_other_may_not(world):
    me, other = world.secretariat_a, secretariat_of(world.program_a)
    people.role_revoke(role=secretariat_role(world.program_a, me), by=other, reason="異動")
    with pytest.raises(ValidationError, match="最後の事務局メンバー"):
        people.role_revoke(role=secretariat_role(world.program_a, other), by=other, reason="異動")


def test_the_revoke_page_warns_about_ones_own_role_and_refuses_the_last(world):
    me, other = world.secretariat_a, secretariat_of(world.program_a)
    client = signed_in(me)
    last = client.get(reverse("facilities:role-revoke", args=[secretariat_role(world.program_a, other).pk]))
    assert "最後の事務局メンバー" not in last.content.decode()
    own_url = reverse("facilities:role-revoke", args=[secretariat_role(world.program_a, me).pk])
    page = client.get(own_url).content.decode()
    assert "あなた自身の「事務局」を取り消そうとしています" in page and 'data-confirm="あなた自身の' in page
    # Revoking one's own role leaves for the home page (the people page is no longer theirs).
    answer = client.post(own_url, {"reason": "異動"})
    assert answer.status_code == 302 and answer.url == reverse("home")
    # Now `other` is the last one: their own revoke page says so, with no form to send.
    client = signed_in(other)
    page = client.get(reverse("facilities:role-revoke", args=[secretariat_role(world.program_a, other).pk]))
    assert "最後の事務局メンバー" in page.content.decode() and 'name="reason"' not in page.content.decode()
    answer = client.post(reverse("facilities:role-revoke", args=[secretariat_role(world.program_a, other).pk]),
                         {"reason": "異動"})
    assert answer.status_code == 200 and "最後の事務局メンバー" in answer.content.decode()
    assert secretariat_role(world.program_a, other).is_active


def sole_admin(facility):
    from tests.factories import StaffFactory

    staff = StaffFactory(facility=facility, is_admin=True)
    staff.user = UserFactory(email=staff.email)
    staff.save()
    return RoleFactory(kind=RoleKind.FACILITY_ADMIN, facility=facility, user=staff.user)


def test_the_stop_page_warns_when_the_person_is_a_facilitys_last_administrator(world):
    role = sole_admin(world.facility_a)
    client = signed_in(world.secretariat_a)
    page = client.get(url("account-deactivate", world, role.user)).content.decode()
    assert f"{world.facility_a.name}でただ一人の、ログインできる{world.program_a.policy.admin_label}です" in page
    assert reverse("facilities:role-revoke", args=[role.pk]) in page
    # A warning, not a block: someone who has left can still be stopped.
    client.post(url("account-deactivate", world, role.user), {"reason": "退職"})
    role.user.refresh_from_db()
    assert not role.user.is_active


def test_no_warning_when_another_administrator_can_log_in(world):
    role = sole_admin(world.facility_a)
    second = sole_admin(world.facility_a)
    page = signed_in(world.secretariat_a).get(url("account-deactivate", world, role.user)).content.decode()
    assert "ただ一人の" not in page
    second.user.is_active = False  # a stopped second administrator does not count
    second.user.save()
    page = signed_in(world.secretariat_a).get(url("account-deactivate", world, role.user)).content.decode()
    assert "ただ一人の" in page
