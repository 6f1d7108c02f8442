"""The real hooks, through the other apps' own services: a staff removal ends memberships, an erasure
empties and archives the patient's groups; both in the caller's transaction."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from consent import erasure
from facilities import hooks as facilities_hooks
from facilities.models import (
    ChangeNotice,
    DeviceReturn,
    NoticeStatus,
    RemovalReason,
    StaffStatus,
)
from facilities.services import notice_file, staff_request_removal
from groups.models import EndReason, GroupKind, GroupStatus, McsTask, MemberKind, MembershipStatus, TaskKind
from groups.services import member_add_person
from tests.groups.helpers import TODAY
from tests.helpers import variants_split

pytestmark = pytest.mark.django_db


def _remove(site, staff, reason=RemovalReason.RETIRED):
    """The ledger's 削除 button; where the policy wants the change notice first, it is filed."""
    staff_request_removal(staff=staff, by=site.nursing_admin, reason=reason, effective_date=TODAY,
                          devices_returned=DeviceReturn.RETURNED)
    draft = ChangeNotice.objects.filter(facility=staff.facility, status=NoticeStatus.DRAFT).first()
    staff.refresh_from_db()
    if staff.status != StaffStatus.REMOVED and draft is not None:
        notice_file(notice=draft, by=site.nursing_admin)
    staff.refresh_from_db()
    return staff


def test_removing_staff_ends_every_membership_in_one_go(site):
    first = site.group()
    second = site.group(patient=site.patient_like())
    for group in (first, second):
        site.invite(group)
    staff = _remove(site, site.nurse)
    assert staff.status == StaffStatus.REMOVED
    memberships = staff.memberships.all()
    assert memberships.count() == 2 and not memberships.open().exists()
    assert set(memberships.values_list("end_reason", "end_note", "ended_on")) == {(EndReason.RETIRED, "", TODAY)}
    tasks = McsTask.objects.filter(membership__staff=staff, kind=TaskKind.REMOVE)
    assert sorted(t.group_id for t in tasks) == sorted([first.pk, second.pk])  # one task per group
    assert {t.title for t in tasks} == {f"MCSで{staff.full_name}さんを{g.mcs_name}から外す" for g in (first, second)}
    assert (staff.removal.memberships_ended, staff.removal.open_memberships_at_removal) == (2, 0)
    assert staff.removal.note == "患者グループ2件のメンバーから外しました。"


def test_the_reason_of_the_removal_is_the_reason_in_the_group(site):
    """facilities passes the reason to the hook, whether or not the removal waited for a notice."""
    site.invite(site.group())
    staff = _remove(site, site.nurse, reason=RemovalReason.TRANSFERRED)
    assert staff.memberships.values_list("end_reason", "end_note").get() == (EndReason.TRANSFERRED, "")


def test_a_membership_left_open_rolls_the_whole_removal_back(site):
    group = site.group()
    membership = site.invite(group)
    undo = facilities_hooks.open_memberships.connect(lambda *, staff: 1)  # something else still open
    try:
        with pytest.raises(ValidationError):
            _remove(site, site.nurse)
    finally:
        undo()
    membership.refresh_from_db()
    site.nurse.refresh_from_db()
    assert membership.status == MembershipStatus.ACCEPTED and site.nurse.status != StaffStatus.REMOVED
    assert not McsTask.objects.filter(membership=membership, kind=TaskKind.REMOVE).exists()


def _cells_containing(needle, *, prefix="groups_"):
    """Every text cell of this app's tables (live and history) holding `needle`."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if not table.startswith(prefix):
                continue
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                found += [(table, col) for col, value in zip(columns, row, strict=True)
                          if isinstance(value, str) and needle in value]
    return found


FAMILY, NO_FAMILY = variants_split(lambda p: p.family_members_allowed)


@pytest.mark.parametrize(("variant", "kind"), [
    *((v, GroupKind.FAMILY) for v in FAMILY), *((v, GroupKind.PATIENT) for v in NO_FAMILY),
])
def test_erasing_a_patient_empties_and_archives_their_groups_and_scrubs_the_copies(site, kind):
    """In a family group, the name of a family member who joined is a copy to scrub too."""
    name = site.patient.full_name
    group = site.group(kind=kind)
    site.invite(group)
    family = "見本 花江"
    if kind == GroupKind.FAMILY:  # the case, not the policy: family groups are where families join
        member_add_person(group=group, by=site.creator, member_kind=MemberKind.FAMILY, person_name=family,
                          relationship="妻", family_agreed=True)
    assert _cells_containing(name)  # the task titles name the group after the patient
    record = erasure.patient_erase(patient=site.patient, by=site.secretariat, reason="本人から申出")

    group.refresh_from_db()
    assert group.status == GroupStatus.ARCHIVED and group.archive_reason == "患者情報の削除"
    assert not group.memberships.open().exists()
    assert set(group.memberships.values_list("end_reason", flat=True)) == {EndReason.PATIENT_ERASED}
    assert record.memberships_ended == group.memberships.count()
    archive = McsTask.objects.get(group=group, kind=TaskKind.ARCHIVE)
    assert archive.title == f"MCSで「{group.code}」を保管する"
    assert _cells_containing(name) == [] and _cells_containing(name.replace(" ", "")) == []
    assert _cells_containing(family) == []
