"""The groups tests' world: a program of one variant around a patient with a signed consent."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from consent.models import CareTeam, CareTeamReason
from core.services import REPEAT_WINDOW
from facilities.models import (
    Attendance,
    FacilityKind,
    JobType,
    Pledge,
    PledgeKind,
    RoleKind,
    TrainingKind,
    TrainingSession,
)
from groups import services
from groups.models import Group, GroupKind
from tests.consent.factories import ConsentRecordFactory, PatientFactory
from tests.factories import FacilityFactory, ProgramFactory, RoleFactory, StaffFactory, UserFactory

TODAY = timezone.localdate()


def ready(staff):
    """What any policy asks of a member before they join: a pledge (exempt) and the initial training."""
    Pledge.objects.create(staff=staff, kind=PledgeKind.EXEMPT, signed_on=datetime.date(2024, 4, 1),
                          existing_pledge="入職時の誓約書")
    session = TrainingSession.objects.create(facility=staff.facility, kind=TrainingKind.LECTURE,
                                             held_on=datetime.date(2024, 4, 2))
    Attendance.objects.create(session=session, staff=staff)
    return staff


def person(facility, *, user=None, **kwargs):
    return ready(StaffFactory(facility=facility, user=user, **kwargs))


@dataclass
class Site:
    """One program of a variant around a patient with a signed consent.

    clinic: the origin facility; nursing: another facility whose nurse is invited; elsewhere: a
    facility with nothing to do with the patient.
    """

    variant: str
    program: object
    clinic: object
    nursing: object
    elsewhere: object
    doctor_user: object  # MCS管理者 at the clinic, and the patient's primary doctor
    doctor: object
    coordinator: object  # coordinator at the clinic; the patient's group leader
    leader: object
    nurse: object  # Staff at nursing, ready to be invited
    nursing_admin: object  # MCS管理者 at nursing
    stranger: object  # coordinator at elsewhere
    secretariat: object
    patient: object
    association_admin: object  # Staff designated where the policy wants one, else None

    @property
    def policy(self):
        return self.program.policy

    @property
    def creator(self):
        """Someone the variant lets create a patient group for the patient."""
        return self.coordinator if "group_leader" in self.policy.group_manager_roles else self.doctor_user

    def patient_like(self, **kwargs):
        kwargs.setdefault("origin_facility", self.clinic)
        kwargs.setdefault("primary_doctor", self.doctor)
        kwargs.setdefault("group_leader", self.leader)
        patient = PatientFactory(**kwargs)
        ConsentRecordFactory(patient=patient, obtained_by=self.coordinator)
        return patient

    def group(self, patient=None, **kwargs):
        kwargs.setdefault("kind", GroupKind.PATIENT)
        kwargs.setdefault("leader", self.leader)
        return services.group_create(
            program=self.program, by=self.creator, patient=patient or self.patient, **kwargs
        )

    def invite(self, group, staff=None, *, accepted=True):
        membership = services.member_add(group=group, by=self.creator, staff=staff or self.nurse)
        if accepted:
            membership = services.member_respond(membership=membership, by=self.creator, accepted=True)
        return membership


def make_site(variant):
    program = ProgramFactory(variant=variant)
    clinic, nursing, elsewhere = (FacilityFactory(program=program) for _ in range(3))
    doctor_user = UserFactory(full_name="主治医 一郎")
    RoleFactory(kind=RoleKind.FACILITY_ADMIN, facility=clinic, user=doctor_user)
    coordinator = UserFactory(full_name="連携 花子")
    RoleFactory(kind=RoleKind.COORDINATOR, facility=clinic, user=coordinator)
    doctor = person(clinic, user=doctor_user, full_name="主治医 一郎", job=JobType.DOCTOR)
    leader = person(clinic, user=coordinator, full_name="連携 花子")
    patient = PatientFactory(origin_facility=clinic, primary_doctor=doctor, group_leader=leader)
    ConsentRecordFactory(patient=patient, obtained_by=coordinator)
    secretariat = RoleFactory(kind=RoleKind.SECRETARIAT, program=program, facility=None,
                              user=UserFactory(full_name="事務局 次郎")).user
    association_admin = None
    if program.policy.association_admin_in_group:
        association = FacilityFactory(program=program, kind=FacilityKind.ASSOCIATION, name="テスト医師会")
        association_admin = person(association, full_name="医師会 管理")
        services.association_admin_designate(program=program, by=secretariat, staff=association_admin)
    return Site(
        variant=variant, program=program, clinic=clinic, nursing=nursing, elsewhere=elsewhere,
        doctor_user=doctor_user, doctor=doctor, coordinator=coordinator, leader=leader,
        nurse=person(nursing, full_name="訪問 看子", full_name_kana="ホウモン カンコ"),
        nursing_admin=RoleFactory(kind=RoleKind.FACILITY_ADMIN, facility=nursing).user,
        stranger=RoleFactory(kind=RoleKind.COORDINATOR, facility=elsewhere).user,
        secretariat=secretariat, patient=patient, association_admin=association_admin,
    )


def made_earlier(group):
    """The group was registered before core.services.REPEAT_WINDOW: a new form, not the same one sent
    again (groups.services.group_create returns the first group of a repeat)."""
    Group.objects.filter(pk=group.pk).update(created_at=timezone.now() - REPEAT_WINDOW)
    return group


def involve(patient, facility):
    CareTeam.objects.get_or_create(
        patient=patient, facility=facility, defaults={"reason": CareTeamReason.GROUP}
    )
