"""Demo facilities, staff and logins for one program (called by demo's seed_demo)."""

import datetime

from accounts.models import User

from .models import Facility, FacilityStatus, Program, Role, Staff, StaffStatus


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
                "approved_on": datetime.date(2025, 4, 1),
            },
        )
        created.append(facility)
        for n, (name, kana, gender, job, is_admin) in enumerate(staff):
            Staff.objects.update_or_create(
                facility=facility, email=f"staff{index + 1}-{n + 1}@{spec['slug']}.example.jp",
                defaults={
                    "program": program, "full_name": name, "full_name_kana": kana, "gender": gender, "job": job,
                    "is_admin": is_admin, "status": StaffStatus.ACTIVE, "started_on": datetime.date(2025, 4, 1),
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
    return program, created, logins
