"""The admin site is for superusers only, and no secretariat task needs it (issue 13).

`SECRETARIAT_PAGES` names, for every model registered in the admin that the secretariat changes,
the portal page where it does so; `NOT_THE_SECRETARIATS` says why a model needs no such page.
A model registered in the admin and in neither fails the test: whoever adds one decides where
the secretariat changes it, outside the admin.
"""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import UserFactory
from tests.walk import S, rows, tables

SECRETARIAT_PAGES = {
    "facilities.Program": "facilities:program-settings",
    "facilities.Role": "facilities:people-grant",
    "accounts.User": "facilities:account-deactivate",  # and account-two-factor-reset, account-reactivate
    "facilities.Facility": "facilities:facility-details-edit",  # its status: the facility-life issue
    "facilities.Staff": "facilities:staff-edit",
    "facilities.DetailsChange": "facilities:facility-details-edit",  # kept by the details-change pages
    "facilities.StaffRemoval": "facilities:staff-remove",
    "facilities.Pledge": "facilities:staff-pledge",
    "facilities.TrainingSession": "facilities:training-add",
    "facilities.Attendance": "facilities:training-add",
    "facilities.ChangeNotice": "facilities:notice-acknowledge",
    "facilities.NoticeLine": "facilities:staff-add",  # lines follow the ledger's changes
    "facilities.ConfirmationCampaign": "facilities:confirmation-campaigns",
    "facilities.ConfirmationReminder": "facilities:confirmation-remind",
    "facilities.Suspension": "groups:suspension-add",
    "facilities.Withdrawal": "groups:facility-withdraw",
    "enrollment.Application": "enrollment:application-approve",
    "enrollment.ApplicationEvent": "enrollment:application-return",  # the application's log, by its actions
    "consent.CareTeam": "consent:care-team-end",
    "consent.ConsentTemplate": "consent:template-edit",
    "consent.ErasureRecord": "consent:patient-erase",
    "groups.AssociationAdmin": "groups:association-admin",
    "groups.ReviewCampaign": "groups:campaign-create",
    "groups.McsTask": "groups:task-confirm",
    "groups.Group": "groups:admin-notice-group",  # the administrators' group; patient groups are the facilities'
    "oversight.Incident": "oversight:incident-action",
    "oversight.IncidentAction": "oversight:incident-action",
    "oversight.Guidance": "oversight:guidance-create",
    "oversight.AdminNotice": "oversight:notice-create",
    "oversight.NoticeRecipient": "oversight:notice-create",
    "oversight.DisasterPeriod": "oversight:disaster-open",
}

NOT_THE_SECRETARIATS = {
    # Technical: nobody's task; superusers only.
    "auth.Group": "Django's permission groups; the portal's roles are facilities.Role",
    "axes.AccessAttempt": "the login throttle's own bookkeeping",
    "axes.AccessLog": "the login throttle's own bookkeeping",
    "axes.AccessFailureLog": "the login throttle's own bookkeeping",
    "core.PreparedFile": "a report or ledger a background job made; fetched from its ready page, pruned after 7 days",
    "core.Reminder": "the scheduled command's record of each reminder sent (run_reminders): nobody changes it",
    "django_tasks_database.DBTaskResult": "the background jobs' queue, run by db_worker",
    "otp_totp.TOTPDevice": "each person sets up their own second factor (accounts:two-factor-setup)",
    "otp_static.StaticDevice": "each person's own backup codes (accounts:security)",
    "facilities.NoticeFiling": "append-only copy of each filing of a notice, kept by facilities:notice-file",
    "facilities.PledgeText": "published from the policy's wording by the pledge services, never typed",
    "consent.AccessLog": "append-only log of who viewed a patient: nobody changes it",
    # The facilities' work, not the secretariat's (the policies give it to them).
    "enrollment.Registrant": "the applicant's people, changed by the applicant (enrollment:correct)",
    "consent.Patient": "registered by the facility that cares for the patient (consent:patient-update)",
    "facilities.FacilityConfirmation": "answered by the facility's administrator (facilities:confirmation-answer)",
    "consent.ConsentRecord": "recorded by the facility that obtained the consent (consent:consent-create)",
    "groups.Membership": "the group's facility invites and removes members (groups:member-add)",
    "groups.GroupReview": "the group's leader reviews it (groups:review-worksheet)",
    "groups.MemberDecision": "the group's leader decides (groups:review-worksheet)",
    "oversight.Device": "the facility's MCS管理者 keeps its device register (oversight:device-create)",
    "oversight.DeviceRequest": "the facility's MCS管理者 approves in writing (oversight:device-request-decide)",
    "oversight.SecondaryUse": "the facility's people record it (oversight:secondary-use-create)",
}


def _registered():
    return {model._meta.label for model in admin.site._registry}


def test_every_model_in_the_admin_is_decided():
    decided = set(SECRETARIAT_PAGES) | set(NOT_THE_SECRETARIATS)
    undecided = sorted(_registered() - decided)
    assert not undecided, (
        f"{undecided} are in the admin but the secretariat has no page for them: add the page and "
        "name it in SECRETARIAT_PAGES, or say in NOT_THE_SECRETARIATS why it needs none"
    )
    assert not set(SECRETARIAT_PAGES) & set(NOT_THE_SECRETARIATS), "a model is in both lists"
    assert not sorted(decided - _registered()), "a model named here is no longer in the admin"


@pytest.mark.parametrize("label", sorted(SECRETARIAT_PAGES))
def test_the_secretariat_changes_it_outside_the_admin(label):
    name = SECRETARIAT_PAGES[label]
    access = tables()[0]
    assert name in access, f"{name} has no row in the access table"
    allowed = [row.allowed for url, row in rows(access) if url == name and row.allowed is not None]
    assert allowed and any(S in roles for roles in allowed), f"{name} does not let the secretariat in"


def test_a_secretariat_with_the_staff_flag_is_refused_by_the_admin(world, client):
    user = world.secretariat_a
    user.is_staff = True
    user.save()
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
    assert client.get(reverse("admin:facilities_program_changelist")).status_code == 302
    # Not even a bare staff flag without any role.
    staff_only = UserFactory(is_staff=True)
    client.force_login(staff_only)
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 302


def test_a_superuser_gets_in(world, client):
    client.force_login(world.superuser)
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:facilities_program_changelist")).status_code == 200
