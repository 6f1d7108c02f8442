"""Demo groups for one demo program (called by demo's seed_demo after consent's demo, idempotent).

Everything goes through the services, so the demo obeys the same rules as real use: a patient
group for the demo patient who signed a consent, a free group where the policy has them, a few
invited and accepted members, the 医師会管理者 where the policy wants one, the facility
administrators' group where the policy keeps one, and one open review.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from consent.models import Patient
from facilities.models import Role, RoleKind, Staff, StaffStatus

from . import admin_notice, reviews, services
from .models import AssociationAdmin, CampaignScope, Decision, Group, GroupKind, ReviewCampaign

CLINIC, PHARMACY, NURSING, CARE_MANAGEMENT, COMMUNITY = 1, 2, 3, 4, 5  # demo.data.FACILITIES
PATIENT_KANA = "ミホン タロウ"  # consent's demo patient with a signed consent


def _first_staff(facility):
    return Staff.objects.filter(facility=facility, status=StaffStatus.ACTIVE).order_by("pk").first()


def _patient_group(program, facilities, coordinator, leader):
    patient = Patient.objects.filter(program=program, full_name_kana=PATIENT_KANA).first()
    if patient is None or Group.objects.live().filter(patient=patient).exists():
        return None
    group = services.group_create(
        program=program, by=coordinator, kind=GroupKind.PATIENT, leader=leader, patient=patient,
        by_doctor_delegate="doctor_delegate" in program.policy.group_manager_roles,
    )
    for index, accepted in ((NURSING, True), (CARE_MANAGEMENT, True), (PHARMACY, False)):
        staff = _first_staff(facilities[index])
        if staff is not None:
            membership = services.member_add(group=group, by=coordinator, staff=staff)
            if accepted:
                services.member_respond(membership=membership, by=coordinator, accepted=True)
    return group


def seed(program, *, facilities, stdout=None):
    """Create this app's demo rows for `program`; return lines to print."""
    clinic = facilities[CLINIC]
    roles = Role.objects.select_related("user")
    role = roles.filter(facility=clinic, kind=RoleKind.COORDINATOR).first()
    secretariat = roles.filter(program=program, kind=RoleKind.SECRETARIAT).first()
    if role is None or secretariat is None:
        return []
    coordinator = role.user
    leader = Staff.objects.filter(facility=clinic, user=coordinator).first()
    if leader is None:
        return []
    lines = []
    policy, groups = program.policy, Group.objects.filter(program=program)
    if policy.association_admin_in_group and not AssociationAdmin.objects.filter(program=program).exists():
        admin = _first_staff(facilities[COMMUNITY])
        services.association_admin_designate(program=program, by=secretariat.user, staff=admin)
        lines.append(f"{program.name}: デモでは{admin.full_name}さんを医師会管理者に指定しました。")
    if policy.admin_notice_group and admin_notice.admin_notice_group(program) is None:
        runner = _first_staff(facilities[COMMUNITY]) or leader
        notice_group, refused = admin_notice.admin_notice_group_register(
            program=program, by=secretariat.user, leader=runner
        )
        lines.append(f"{program.name}: 「{notice_group.name}」を登録しました（まだ招待できない管理者{len(refused)}名）。")
    try:
        group = _patient_group(program, facilities, coordinator, leader)
    except ValidationError as error:
        return [*lines, f"{program.name}: デモの患者グループを作れませんでした（{' '.join(error.messages)}）。"]
    if policy.free_groups_allowed and not groups.filter(kind=GroupKind.FREE).exists():
        services.group_create(
            program=program, by=coordinator, kind=GroupKind.FREE, leader=leader, title="多職種連絡会（デモ）",
            origin_facility=clinic,
        )
    if group is not None:
        lines.append(f"{program.name}: デモの患者グループを作りました。")
    if not ReviewCampaign.objects.filter(program=program).exists() and groups.exists():
        campaign, count = reviews.campaign_start(
            program=program, by=secretariat.user, scope=CampaignScope.ALL, title="デモの定期精査",
            due_on=timezone.localdate() + datetime.timedelta(days=30),
        )
        review = campaign.reviews.filter(group__kind=GroupKind.PATIENT).first()
        if review is not None:
            member = review.group.memberships.open().filter(staff=leader).first()
            reviews.decisions_save(review=review, by=coordinator, decisions={member.pk: (Decision.KEEP, "")})
        lines.append(f"{program.name}: デモの定期精査（{count}グループ）を始めました。")
    return lines
