"""Fast bulk loading for the benchmark: PostgreSQL COPY straight into the tables.

Each loader takes the scale and returns what later loaders need (ids). History tables are
left empty: the benchmark measures reads, and history is written one row at a time in use.
"""

import datetime
import random

from django.db import connection

from facilities.models import Facility, FacilityKind, JobType, Program, Role, RoleKind, Staff, StaffStatus

RNG = random.Random(20261121)
FAMILY = "佐藤 鈴木 高橋 田中 伊藤 渡辺 山本 中村 小林 加藤 吉田 山田 佐々木 山口 松本 井上 木村 林 斎藤 清水".split()
GIVEN = "太郎 花子 一郎 恵子 健 美穂 誠 由美 大輔 直子 翔 愛 隆 明美 浩二 久美子".split()


def copy_rows(model, columns, rows):
    """COPY rows (tuples in `columns` order) into model's table; returns the count."""
    table = model._meta.db_table
    cols = ", ".join(f'"{c}"' for c in columns)
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def ids(model, **filters):
    return list(model.objects.filter(**filters).order_by("pk").values_list("pk", flat=True))


def load_foundation(scale, variants):
    """Programs (one per variant), facilities and staff."""
    n_facilities = max(10, int(10_000 * scale))
    staff_per_facility = 10
    now = datetime.datetime.now(datetime.UTC)
    programs = []
    for i, variant in enumerate(variants):
        program, _ = Program.objects.get_or_create(
            slug=f"bench-{variant}",
            defaults={"name": f"ベンチ{i}", "code": f"B{i:02d}", "variant": variant, "secretariat_name": "事務局",
                      "area_municipalities": ["松原市"], "area_postal_prefixes": ["580"]},
        )
        programs.append(program)
    kinds = [k for k, _ in FacilityKind.choices]
    per_program = n_facilities // len(programs)
    # Loading again appends: numbering continues after the facilities already there.
    start = {p.pk: Facility.objects.filter(program=p).count() for p in programs}
    last_pk = Facility.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    copy_rows(Facility, ["program_id", "number", "name", "name_kana", "kind", "postal_code", "address", "phone",
                         "fax", "status", "approved_on", "created_at", "representative"], (
        (p.pk, f"{p.code}-{start[p.pk] + n:06d}", f"ベンチ施設{p.code}-{n}", "ベンチシセツ", kinds[n % len(kinds)], "580-0001",
         f"大阪府松原市阿保{n % 9 + 1}-{n % 30 + 1}-1", "072-000-0000", "", "active", datetime.date(2025, 4, 1), now, "")
        for p in programs for n in range(per_program)
    ))
    facility_rows = list(Facility.objects.filter(program__in=programs, pk__gt=last_pk).values_list("pk", "program_id"))
    jobs = [j for j, _ in JobType.choices]
    copy_rows(Staff, ["program_id", "facility_id", "full_name", "full_name_kana", "gender", "job", "email", "is_admin",
                      "status", "started_on", "created_at"], (
        (program_id, facility_id, f"{RNG.choice(FAMILY)} {RNG.choice(GIVEN)}", "ベンチ", "", jobs[(facility_id + n) % len(jobs)],
         f"s{facility_id}-{n}@bench.example.jp", n == 0, StaffStatus.ACTIVE, datetime.date(2025, 4, 1), now)
        for facility_id, program_id in facility_rows for n in range(staff_per_facility)
    ))
    return {"programs": programs, "facility_ids": [f for f, _ in facility_rows]}


def make_users(programs, facility_id):
    """A secretariat member of the first program and the administrator of one facility."""
    from accounts.models import User

    secretariat, _ = User.objects.get_or_create(email="bench-secretariat@example.jp", defaults={"full_name": "ベンチ事務局"})
    Role.objects.get_or_create(user=secretariat, program=programs[0], kind=RoleKind.SECRETARIAT)
    admin, _ = User.objects.get_or_create(email="bench-admin@example.jp", defaults={"full_name": "ベンチ管理者"})
    facility = Facility.objects.get(pk=facility_id)
    Role.objects.get_or_create(user=admin, program=facility.program, facility=facility, kind=RoleKind.FACILITY_ADMIN)
    superuser, _ = User.objects.get_or_create(
        email="bench-root@example.jp", defaults={"full_name": "ベンチ", "is_superuser": True, "is_staff": True})
    return {"secretariat": secretariat, "admin": admin, "superuser": superuser, "facility": facility}


def load_applications(programs, scale, facility_ids):
    """Facility applications in every state, for the secretariat's queue (2,000 per program at scale 1)."""
    import secrets

    from django.utils import timezone

    from enrollment.models import Application, ApplicationStatus

    per_program = max(5, int(2_000 * scale))
    statuses = [s for s, _ in ApplicationStatus.choices if s != "draft"]
    kinds = [k for k, _ in FacilityKind.choices]
    now = timezone.now()
    # An approved application names the facility it created (one each): take them from the loaded ones.
    taken = set(Application.objects.filter(facility__isnull=False).values_list("facility_id", flat=True))
    free = {}
    for facility_id, program_id in Facility.objects.filter(pk__in=facility_ids).values_list("pk", "program_id"):
        if facility_id not in taken:
            free.setdefault(program_id, []).append(facility_id)
    rows = []
    for p in programs:
        start = Application.objects.filter(program=p).count()
        for n in range(start, start + per_program):
            status = statuses[n % len(statuses)]
            facility_id = free[p.pk].pop() if status == "approved" and free.get(p.pk) else None
            if status == "approved" and facility_id is None:
                status = "submitted"
            rows.append(Application(
                program=p, receipt_number=f"{p.code}-2026-{n:06d}", receipt_year=2026, receipt_sequence=n + 1,
                access_token=secrets.token_urlsafe(24), status=status, facility_id=facility_id,
                return_deadline=datetime.date(2026, 12, 1) if status == "returned" else None,
                facility_name=f"申込施設{n}", facility_name_kana="モウシコミシセツ", facility_kind=kinds[n % len(kinds)],
                postal_code="580-0001", address="大阪府松原市阿保1-1-1", phone="072-000-0000",
                contact_name="担当 太郎", contact_email=f"a{n}@{p.slug}.example.jp", pledge_agreed=True,
                submitted_at=now - datetime.timedelta(days=n % 90),
            ))
    Application.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def load_patients(programs, facility_ids, scale, registered_by):
    """Patients (10,000 per program at scale 1), each with an origin facility and a doctor of it."""
    from consent.models import CareTeam, Patient

    per_program = max(5, int(10_000 * scale))
    doctors = dict(Staff.objects.filter(facility_id__in=facility_ids, is_admin=True).values_list("facility_id", "pk"))
    by_program = {}
    for facility_id, program_id in Facility.objects.filter(pk__in=facility_ids).values_list("pk", "program_id"):
        by_program.setdefault(program_id, []).append(facility_id)
    rows = []
    for p in programs:
        facilities = by_program[p.pk]
        for n in range(per_program):
            facility_id = facilities[n % len(facilities)]
            rows.append(Patient(
                program=p, full_name=f"{RNG.choice(FAMILY)} {RNG.choice(GIVEN)}", full_name_kana="カンジャ",
                kana_key="カンジャ", birth_date=datetime.date(1930 + n % 60, n % 12 + 1, n % 28 + 1),
                gender="female" if n % 2 else "male", address="大阪府松原市阿保1-1-1",
                primary_doctor_id=doctors.get(facility_id), origin_facility_id=facility_id, doctor_visits_home=True,
                registered_by=registered_by,
            ))
    Patient.objects.bulk_create(rows, batch_size=5000)
    patients = Patient.objects.filter(program__in=programs).values_list("pk", "origin_facility_id")
    CareTeam.objects.bulk_create(
        [CareTeam(patient_id=pk, facility_id=f, reason="origin") for pk, f in patients], batch_size=5000
    )
    return len(rows)


def load_groups(programs, creator, *, members_per_group=8, big_group_members=200):
    """One patient group per patient and `members_per_group` staff memberships each (COPY), plus
    one large group of `big_group_members` for the review worksheet."""
    from consent.models import Patient
    from groups.models import Group, Membership

    today = datetime.date(2026, 4, 1)
    now = datetime.datetime.now(datetime.UTC)
    patients = list(
        Patient.objects.filter(program__in=programs, groups__isnull=True)
        .values_list("pk", "program_id", "origin_facility_id", "primary_doctor_id")
    )
    leaders = dict(Staff.objects.filter(is_admin=True, program__in=programs).values_list("facility_id", "pk"))
    copy_rows(Group, ["program_id", "kind", "patient_id", "title", "origin_facility_id", "leader_id", "status",
                      "consent_basis", "archive_reason", "warnings", "created_by_id", "created_on", "created_at"], (
        (program_id, "patient", patient_id, "", facility_id, doctor_id or leaders[facility_id], "active", "signed",
         "", "[]", creator.pk, today, now)
        for patient_id, program_id, facility_id, doctor_id in patients
    ))
    staff_by_program = {}
    for pk, program_id in Staff.objects.filter(program__in=programs, status="active").values_list("pk", "program_id"):
        staff_by_program.setdefault(program_id, []).append(pk)
    groups = list(Group.objects.filter(program__in=programs, memberships__isnull=True)
                  .order_by("pk").values_list("pk", "program_id"))

    # The large group (for the review worksheet) is the first program's first group.
    big = next((pk for pk, program_id in groups if program_id == programs[0].pk), None)

    def rows():
        for index, (group_id, program_id) in enumerate(groups):
            pool = staff_by_program[program_id]
            size = big_group_members if group_id == big else members_per_group
            start = (index * members_per_group) % len(pool)
            for n in range(size):
                yield (group_id, "staff", pool[(start + n) % len(pool)], "", "", False, "accepted", today,
                       creator.pk, today, "", "", "[]")

    count = copy_rows(Membership, ["group_id", "member_kind", "staff_id", "person_name", "relationship",
                                   "is_association_admin", "status", "invited_on", "invited_by_id", "responded_on",
                                   "end_reason", "end_note", "warnings"], rows())
    return {"groups": len(groups), "memberships": count, "big_group": big}
