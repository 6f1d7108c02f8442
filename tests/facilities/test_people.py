"""People and roles (issue 13): grants and revocations as recorded actions, the administrator
rules at every change, invitations, the read-only secretariat member, and the pages."""

import datetime
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from facilities import people
from facilities.models import Invitation, RemovalReason, Role, RoleKind, StaffStatus
from facilities.services import staff_remove
from tests.conftest import VerifiedClient, make_world
from tests.factories import FacilityFactory, RoleFactory, StaffFactory, UserFactory, admin_of, secretariat_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world(variant_a="musashimurayama", variant_b="iwakuni")


def grant(world, *, by=None, kind=RoleKind.COORDINATOR, staff=None, facility=None, reason="連携リーダーを担当"):
    facility = facility or world.facility_a
    staff = staff or StaffFactory(facility=facility)
    return people.facility_role_grant(
        facility=facility, by=by or world.secretariat_a, kind=kind, staff=staff, reason=reason
    )


def sole_admin(facility):
    """The facility's only administrator: a ledger line linked to its login and an admin role."""
    staff = StaffFactory(facility=facility, is_admin=True)
    user = UserFactory(email=staff.email)
    staff.user = user
    staff.save()
    RoleFactory(kind=RoleKind.FACILITY_ADMIN, facility=facility, user=user)
    return staff


# --- Granting ---------------------------------------------------------------------------------


def test_secretariat_grants_a_coordinator_to_a_ledger_line_and_the_login_is_linked(world, django_capture_on_commit_callbacks):
    staff = StaffFactory(facility=world.facility_a, email="Kato@Clinic.example.jp")
    with django_capture_on_commit_callbacks(execute=True):
        role = grant(world, staff=staff)
    staff.refresh_from_db()
    assert role.is_active and role.granted_by == world.secretariat_a and role.grant_reason == "連携リーダーを担当"
    assert staff.user == role.user and role.user.email == "kato@clinic.example.jp"
    assert not role.user.has_usable_password()
    invitation = Invitation.objects.get(role=role)
    assert invitation.expires_at - invitation.sent_at == datetime.timedelta(days=7)
    assert len(mail.outbox) == 1 and "/invitation/" in mail.outbox[0].body and "7日間" in mail.outbox[0].body
    assert role.history.first().history_user == world.secretariat_a


def test_someone_with_a_password_gets_no_invitation(world):
    staff = StaffFactory(facility=world.facility_a)
    UserFactory(email=staff.email)  # has a password already
    role = grant(world, staff=staff)
    assert not Invitation.objects.filter(role=role).exists()


def test_facility_admin_grants_at_own_facility_only(world):
    role = grant(world, by=world.admin_a)
    assert role.facility == world.facility_a
    before = Role.objects.count()
    with pytest.raises(ValidationError, match="権限がありません"):
        grant(world, by=world.admin_a, facility=world.facility_a2)
    with pytest.raises(ValidationError, match="権限がありません"):
        people.program_role_grant(
            program=world.program_a, by=world.admin_a, kind=RoleKind.SECRETARIAT, email="new@example.jp",
            full_name="新井 事務", reason="事務局に加わる",
        )
    assert Role.objects.count() == before


def test_a_coordinator_grants_nothing(world):
    before = Role.objects.count()
    for kind in (RoleKind.COORDINATOR, RoleKind.FACILITY_ADMIN):
        with pytest.raises(ValidationError, match="権限がありません"):
            grant(world, by=world.coordinator_a, kind=kind)
    assert Role.objects.count() == before


def test_a_removed_or_pending_staff_line_gets_no_role(world):
    for status in (StaffStatus.REMOVED, StaffStatus.PENDING):
        staff = StaffFactory(facility=world.facility_a, status=status)
        with pytest.raises(ValidationError) as error:
            grant(world, staff=staff)
        assert "利用中の職員にだけ" in str(error.value)
        assert not Role.objects.filter(user__email=staff.email).exists()


def test_a_staff_line_of_another_facility_is_refused(world):
    staff = StaffFactory(facility=world.facility_a2)
    with pytest.raises(ValidationError, match="この施設の管理台帳"):
        grant(world, staff=staff)


def test_granting_twice_says_so(world):
    role = grant(world)
    with pytest.raises(ValidationError, match="すでに"):
        grant(world, staff=role.user.staff_records.get())


def test_a_reason_is_required(world):
    with pytest.raises(ValidationError):
        grant(world, reason="  ")


def test_the_read_only_member_holds_nothing_else(world):
    role = people.program_role_grant(
        program=world.program_a, by=world.secretariat_a, kind=RoleKind.SECRETARIAT_READONLY,
        email="etsuran@city.example.jp", full_name="閲覧 花子", reason="監査担当",
    )
    assert role.facility is None
    with pytest.raises(ValidationError, match="閲覧のみ"):
        people.program_role_grant(
            program=world.program_a, by=world.secretariat_a, kind=RoleKind.SECRETARIAT,
            email="etsuran@city.example.jp", full_name="閲覧 花子", reason="事務局に",
        )
    with pytest.raises(ValidationError, match="閲覧のみ"):
        people.program_role_grant(
            program=world.program_a, by=world.secretariat_a, kind=RoleKind.SECRETARIAT_READONLY,
            email=world.coordinator_a.email, full_name="x", reason="監査担当",
        )


# --- Revoking and the administrator rules ------------------------------------------------------


def test_revoke_is_recorded_and_a_stale_form_is_refused(world):
    role = grant(world)
    people.role_revoke(role=role, by=world.secretariat_a, reason="担当を外れた")
    role.refresh_from_db()
    assert not role.is_active and role.revoked_by == world.secretariat_a and role.revoke_reason == "担当を外れた"
    assert Invitation.objects.get(role=role).cancelled_at is not None  # the unused link stops working
    with pytest.raises(ValidationError, match="すでに取り消されています"):
        people.role_revoke(role=role, by=world.admin_a, reason="二重")
    assert Role.objects.filter(pk=role.pk).exists()  # never deleted


def test_the_last_administrator_cannot_go_without_a_successor(world):
    staff = sole_admin(world.facility_a2)
    role = Role.objects.get(facility=world.facility_a2, kind=RoleKind.FACILITY_ADMIN)
    with pytest.raises(ValidationError) as error:
        people.role_revoke(role=role, by=world.secretariat_a, reason="退職")
    assert "後任" in str(error.value) and "第13条" in str(error.value)
    role.refresh_from_db()
    assert role.is_active
    successor = StaffFactory(facility=world.facility_a2)
    people.role_revoke(role=role, by=world.secretariat_a, reason="退職", successor=successor)
    successor.refresh_from_db()
    staff.refresh_from_db()
    new = Role.objects.get(facility=world.facility_a2, kind=RoleKind.FACILITY_ADMIN, is_active=True)
    assert new.user == successor.user and successor.is_admin and not staff.is_admin


def test_iwakuni_keeps_exactly_one_administrator(world):
    facility = FacilityFactory(program=world.program_b)
    sole_admin(facility)
    secretariat = world.secretariat_b
    with pytest.raises(ValidationError, match="第15条"):
        grant(world, by=secretariat, facility=facility, kind=RoleKind.FACILITY_ADMIN)
    assert Role.objects.filter(facility=facility, kind=RoleKind.FACILITY_ADMIN, is_active=True).count() == 1
    role = Role.objects.get(facility=facility, kind=RoleKind.FACILITY_ADMIN)
    successor = StaffFactory(facility=facility)
    people.role_revoke(role=role, by=secretariat, reason="異動", successor=successor)
    successor.refresh_from_db()
    active = Role.objects.filter(facility=facility, kind=RoleKind.FACILITY_ADMIN, is_active=True)
    assert [r.user_id for r in active] == [successor.user_id]


def test_a_successor_must_be_an_active_line_of_the_same_facility(world):
    sole_admin(world.facility_a2)
    role = Role.objects.get(facility=world.facility_a2, kind=RoleKind.FACILITY_ADMIN)
    for successor in (StaffFactory(facility=world.facility_a), StaffFactory(facility=world.facility_a2,
                                                                            status=StaffStatus.REMOVED)):
        with pytest.raises(ValidationError):
            people.role_revoke(role=role, by=world.secretariat_a, reason="退職", successor=successor)
    role.refresh_from_db()
    assert role.is_active


def test_removing_the_last_administrators_staff_line_is_blocked(world):
    staff = sole_admin(world.facility_a2)
    with pytest.raises(ValidationError, match="後任"):
        staff_remove(staff=staff, by=world.secretariat_a, reason=RemovalReason.RETIRED,
                     effective_date=timezone.localdate(), devices_returned=True)
    staff.refresh_from_db()
    assert staff.status == StaffStatus.ACTIVE


def test_removing_a_staff_line_ends_its_roles_with_a_record(world):
    role = grant(world)
    staff = role.user.staff_records.get()
    staff_remove(staff=staff, by=world.admin_a, reason=RemovalReason.RETIRED,
                 effective_date=timezone.localdate(), devices_returned=True)
    role.refresh_from_db()
    assert not role.is_active and role.revoked_by == world.admin_a and "退職" in role.revoke_reason


# --- Invitations ------------------------------------------------------------------------------


def test_invitation_resend_cancel_and_expiry(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        role = grant(world)
    invitation = Invitation.objects.get(role=role)
    first_hash = invitation.token_hash
    with django_capture_on_commit_callbacks(execute=True):
        people.invitation_resend(invitation=invitation, by=world.admin_a)
    invitation.refresh_from_db()
    assert invitation.token_hash != first_hash and invitation.send_count == 2 and len(mail.outbox) == 2
    token = mail.outbox[1].body.split("/invitation/")[1].split("/")[0]
    assert people.invitation_for_token(token) == invitation
    old_token = mail.outbox[0].body.split("/invitation/")[1].split("/")[0]
    assert people.invitation_for_token(old_token) is None
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert people.invitation_for_token(token) is None
    people.invitation_cancel(invitation=invitation, by=world.secretariat_a, reason="別の人に交代")
    invitation.refresh_from_db()
    role.refresh_from_db()
    assert invitation.cancelled_at and not role.is_active
    with pytest.raises(ValidationError, match="取り消されています"):
        people.invitation_resend(invitation=invitation, by=world.secretariat_a)


def test_accepting_an_invitation_sets_the_password_and_asks_for_two_factor(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        role = grant(world)
    token = mail.outbox[0].body.split("/invitation/")[1].split("/")[0]
    client = Client()  # nobody signed in, no second factor yet
    url = reverse("facilities:invitation-accept", args=[token])
    assert client.get(url).status_code == 200
    password = "Kumagaya-Renkei-2026!"
    answer = client.post(url, {"new_password1": password, "new_password2": password})
    assert answer.status_code == 302 and answer.url == reverse("accounts:two-factor-setup")
    role.user.refresh_from_db()
    assert role.user.check_password(password)
    assert Invitation.objects.get(role=role).accepted_at is not None
    assert client.get(reverse("home")).status_code == 302  # the second factor comes first
    assert client.get(url).status_code == 404  # used once


# --- The read-only secretariat member -----------------------------------------------------------


def test_read_only_member_reads_the_program_and_every_write_is_refused(world):
    reader = RoleFactory(kind=RoleKind.SECRETARIAT_READONLY, program=world.program_a, facility=None).user
    client = VerifiedClient()
    client.force_login(reader)
    assert client.get(reverse("facilities:facility-list", args=[world.program_a.slug])).status_code == 200
    assert client.get(reverse("facilities:people", args=[world.program_a.slug])).status_code == 200
    assert client.get(reverse("facilities:facility-detail", args=[world.facility_a.pk])).status_code == 200
    assert client.get(reverse("facilities:people-grant", args=[world.program_a.slug])).status_code == 403
    before = Role.objects.count()
    answer = client.post(reverse("facilities:staff-add", args=[world.facility_a.pk]), {"full_name": "x"})
    assert answer.status_code == 403
    answer = client.post(reverse("facilities:people-grant", args=[world.program_a.slug]), {
        "kind": "secretariat", "full_name": "乗っ取り", "email": "x@example.jp", "reason": "x"})
    assert answer.status_code == 403 and Role.objects.count() == before
    assert client.get(reverse("facilities:facility-list", args=[world.program_b.slug])).status_code == 404


# --- Pages ------------------------------------------------------------------------------------


def test_people_page_filters_and_csv_with_pinned_queries(world, django_assert_max_num_queries):
    for _ in range(5):
        grant(world)
    grant(world, facility=world.facility_a2)
    client = VerifiedClient()
    client.force_login(world.secretariat_a)
    url = reverse("facilities:people", args=[world.program_a.slug])
    with django_assert_max_num_queries(14):
        page = client.get(url)
    text = page.content.decode()
    assert world.facility_a2.name in text and world.coordinator_b.email not in text
    for _ in range(6):
        grant(world)
    with django_assert_max_num_queries(14):  # the same with twice the people
        client.get(url)
    secretaries = client.get(url, {"kind": "secretariat"}).content.decode()
    assert world.secretariat_a.email in secretaries and world.coordinator_a.email not in secretaries
    csv = b"".join(client.get(reverse("facilities:people-csv", args=[world.program_a.slug])).streaming_content)
    assert "コーディネーター".encode() in csv and world.coordinator_b.email.encode() not in csv


def test_facility_admin_grants_through_the_page_and_sees_a_clear_error(world):
    client = VerifiedClient()
    client.force_login(world.admin_a)
    removed = StaffFactory(facility=world.facility_a, status=StaffStatus.REMOVED)
    url = reverse("facilities:facility-people", args=[world.facility_a.pk])
    answer = client.post(url, {"kind": "coordinator", "staff": removed.pk, "reason": "担当"})
    assert answer.status_code == 200 and "管理台帳で利用中の職員を選んで" in answer.content.decode()
    assert not Role.objects.filter(user__email=removed.email).exists()
    staff = StaffFactory(facility=world.facility_a)
    answer = client.post(url, {"kind": "coordinator", "staff": staff.pk, "reason": "担当"})
    assert answer.status_code == 302
    assert Role.objects.filter(user__email=staff.email, kind=RoleKind.COORDINATOR, is_active=True).exists()
    other = admin_of(world.facility_a2)
    assert other != world.admin_a
    assert secretariat_of(world.program_a)


def test_the_grant_dropdown_offers_only_staff_who_can_be_granted(world):
    """A line 登録準備中 or 削除済 would be refused by the service: it is not offered at all."""
    pending = StaffFactory(facility=world.facility_a, status=StaffStatus.PENDING, full_name="準備 中子")
    removed = StaffFactory(facility=world.facility_a, status=StaffStatus.REMOVED, full_name="削除 済子")
    active = StaffFactory(facility=world.facility_a, full_name="利用 中子")
    client = VerifiedClient()
    client.force_login(world.admin_a)
    page = client.get(reverse("facilities:facility-people", args=[world.facility_a.pk])).content.decode()
    assert active.full_name in page
    assert pending.full_name not in page and removed.full_name not in page


def test_the_people_pages_use_the_policys_name_for_the_administrator_and_wareki_dates(world):
    """iwakuni calls its administrator いつつばし連絡帳管理者: the table says so too, not MCS管理者."""
    admin = world.admin_b
    client = VerifiedClient()
    client.force_login(world.secretariat_b)
    page = client.get(reverse("facilities:facility-people", args=[world.facility_b.pk])).content.decode()
    label = world.program_b.policy.admin_label
    assert label == "いつつばし連絡帳管理者"
    assert f"<td data-label=\"役割\">{label}</td>" in page
    assert "必ず1名必要です" in page and "（1名）" not in page
    assert "令和" in page and not re.search(r"\d{4}-\d{2}-\d{2}", page)
    people_page = client.get(reverse("facilities:people", args=[world.program_b.slug])).content.decode()
    assert label in people_page and "MCS管理者" not in people_page.split("<main")[1]
    assert admin.full_name in people_page


def test_the_invitation_mail_names_the_role_as_the_policy_does_with_a_wareki_date(world, django_capture_on_commit_callbacks):
    staff = StaffFactory(facility=world.facility_b)
    with django_capture_on_commit_callbacks(execute=True):
        people.facility_role_grant(facility=world.facility_b, by=world.secretariat_b, kind=RoleKind.COORDINATOR,
                                   staff=staff, reason="担当")
    body = mail.outbox[-1].body
    assert "令和" in body and "年" in body and not re.search(r"\d{4}年", body)
    assert "いつつばし連絡帳管理者または" in body


def test_two_invitations_never_share_a_token(world):
    """facilities.Invitation.token_hash: the database refuses a second row with the same hash."""
    first = Invitation.objects.get(role=grant(world))
    second = Invitation.objects.get(role=grant(world))
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.filter(pk=second.pk).update(token_hash=first.token_hash)


def test_pages_refuse_an_other_facility_and_a_stale_revoke_form(world):
    client = VerifiedClient()
    client.force_login(world.admin_a)
    staff = StaffFactory(facility=world.facility_a2)
    before = Role.objects.count()
    answer = client.post(reverse("facilities:facility-people", args=[world.facility_a2.pk]),
                         {"kind": "facility_admin", "staff": staff.pk, "reason": "乗っ取り"})
    assert answer.status_code == 404 and Role.objects.count() == before
    role = grant(world)
    url = reverse("facilities:role-revoke", args=[role.pk])
    form = client.get(url)
    assert form.status_code == 200
    people.role_revoke(role=role, by=world.secretariat_a, reason="先に取り消し")  # someone else, meanwhile
    answer = client.post(url, {"reason": "担当外れ"})
    assert answer.status_code == 200 and "すでに取り消されています" in answer.content.decode()
    role.refresh_from_db()
    assert role.revoked_by == world.secretariat_a and role.revoke_reason == "先に取り消し"
