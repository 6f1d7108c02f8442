"""Demo facilities, staff and logins for one program (called by demo's seed_demo)."""

import datetime

from accounts.models import User

from . import services
from .models import (
    Attendance,
    Facility,
    FacilityStatus,
    PledgeKind,
    Program,
    Role,
    Staff,
    StaffStatus,
    TrainingKind,
    TrainingSession,
)

STARTED = datetime.date(2025, 4, 1)


def seed_program(spec, *, facilities, accounts, password):
    program, _ = Program.objects.update_or_create(
        slug=spec["slug"],
        defaults={
            "name": spec["name"], "code": spec["code"], "variant": spec["slug"],
            "secretariat_name": spec["secretariat_name"], "secretariat_contact": spec["secretariat_contact"],
            "secretariat_email": f"office@{spec['slug']}.example.jp",
            "area_municipalities": spec["municipalities"], "area_postal_prefixes": spec["postal_prefixes"],
        },
    )
    created = []
    for index, (kind, pattern, staff) in enumerate(facilities):
        town = spec["towns"][index % len(spec["towns"])]
        facility, _ = Facility.objects.update_or_create(
            program=program, number=f"{spec['code']}-{index + 1:04d}",
            defaults={
                "name": pattern.format(city=spec["city"], town=town), "kind": kind,
                "postal_code": f"{spec['postal']}{index + 10:02d}",
                "address": f"{spec['prefecture']}{spec['city']}{town}{index + 1}-{index + 2}-{index + 3}",
                "phone": f"0120-000-{index + 100:03d}", "status": FacilityStatus.ACTIVE,
                "approved_on": STARTED,
            },
        )
        created.append(facility)
        for n, (name, kana, gender, job, is_admin) in enumerate(staff):
            Staff.objects.update_or_create(
                facility=facility, email=f"staff{index + 1}-{n + 1}@{spec['slug']}.example.jp",
                defaults={
                    "program": program, "full_name": name, "full_name_kana": kana, "gender": gender, "job": job,
                    "is_admin": is_admin, "status": StaffStatus.ACTIVE, "started_on": STARTED,
                },
            )
    logins = []
    for local, name, kana, role, facility_index in accounts:
        email = f"{local}@{spec['slug']}.example.jp"
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(email, password, full_name=name, full_name_kana=kana)
        facility = created[facility_index] if facility_index is not None else None
        Role.objects.get_or_create(user=user, program=program, facility=facility, kind=role)
        if facility is not None:
            Staff.objects.filter(facility=facility, full_name=name).update(user=user)
        logins.append((email, role, facility))
    _seed_ledger(program, created)
    return program, created, logins


def _attend(facility, kind, held_on, title, staff):
    session, _ = TrainingSession.objects.get_or_create(
        facility=facility, kind=kind, held_on=held_on, defaults={"title": title}
    )
    for person in staff:
        Attendance.objects.get_or_create(session=session, staff=person)


def _seed_ledger(program, facilities):
    """Pledges and training for the demo staff, as their policy asks, and one newcomer still pending."""
    policy = program.policy
    for facility in facilities:
        staff = list(Staff.objects.filter(facility=facility, status=StaffStatus.ACTIVE))
        if policy.staff_pledge_required:
            for person in staff:
                if not person.pledges.exists():
                    services.pledge_record(staff=person, by=None, kind=PledgeKind.SIGNED, signed_on=STARTED)
        if policy.training_required_before_use:
            _attend(facility, TrainingKind.LECTURE, datetime.date(2025, 3, 15), "利用開始前の研修会", staff)
        # Only the first facility has held its periodic education, so the others show as due.
        if facility == facilities[0]:
            _attend(facility, TrainingKind.EDUCATION, datetime.date(2025, 10, 1), "個人情報保護とIT機器の取扱い", staff)
    newcomer = Staff.objects.filter(program=program, email__iexact=_newcomer(program))
    if len(facilities) > 1 and not newcomer.exists():
        services.staff_add(
            facility=facilities[1], by=None, full_name="新人 さくら", full_name_kana="シンジン サクラ", gender="女",
            job="nurse", email=_newcomer(program),
        )


def _newcomer(program):
    return f"newcomer@{program.slug}.example.jp"
