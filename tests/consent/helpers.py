"""The consent tests' world: one program of a variant, a clinic and the people around a patient."""

from dataclasses import dataclass

from facilities.models import RoleKind
from tests.consent.factories import PatientFactory, doctor_at
from tests.factories import FacilityFactory, ProgramFactory, RoleFactory, StaffFactory, UserFactory


@dataclass
class Site:
    """One program of a variant: a clinic (the origin facility) and the people around a patient."""

    program: object
    clinic: object
    other: object  # a facility of the same program, not involved in the patient's care
    coordinator: object  # coordinator at the clinic; also on the ledger (Staff)
    coordinator_staff: object
    doctor_user: object
    doctor: object  # Staff, job doctor, at the clinic, with a portal login
    secretariat: object
    stranger: object  # coordinator at the other facility

    def patient(self, **kwargs):
        kwargs.setdefault("origin_facility", self.clinic)
        kwargs.setdefault("primary_doctor", self.doctor)
        return PatientFactory(**kwargs)


def make_site(variant):
    program = ProgramFactory(variant=variant)
    clinic = FacilityFactory(program=program)
    other = FacilityFactory(program=program)
    coordinator = RoleFactory(kind=RoleKind.COORDINATOR, facility=clinic).user
    doctor_user = UserFactory(full_name="主治医 一郎")
    RoleFactory(kind=RoleKind.FACILITY_ADMIN, facility=clinic, user=doctor_user)
    return Site(
        program=program, clinic=clinic, other=other, coordinator=coordinator,
        coordinator_staff=StaffFactory(facility=clinic, user=coordinator, full_name="連携 花子"),
        doctor_user=doctor_user, doctor=doctor_at(clinic, user=doctor_user, full_name="主治医 一郎"),
        secretariat=RoleFactory(kind=RoleKind.SECRETARIAT, program=program, facility=None).user,
        stranger=RoleFactory(kind=RoleKind.COORDINATOR, facility=other).user,
    )
