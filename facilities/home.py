from django.urls import reverse

from core.home import Item, Panel

from .models import Facility, FacilityStatus, Program, RoleKind, Staff, StaffStatus, role_facility_ids


def nav(user):
    items = []
    for program in Program.objects.active().run_by(user).only("slug", "name"):
        items.append((f"{program.name} 施設一覧", reverse("facilities:facility-list", args=[program.slug])))
    for facility in Facility.objects.filter(pk__in=role_facility_ids(user)).only("pk", "name"):
        items.append((f"{facility.name} 管理台帳", reverse("facilities:facility-detail", args=[facility.pk])))
    return items


def panels(user):
    result = []
    for program in Program.objects.active().run_by(user):
        facilities = Facility.objects.filter(program=program)
        staff = Staff.objects.filter(program=program)
        result.append(
            Panel(
                title=f"{program.name}（事務局）",
                items=(
                    Item("参加施設", facilities.filter(status=FacilityStatus.ACTIVE).count(),
                         reverse("facilities:facility-list", args=[program.slug])),
                    Item("利用中の職員", staff.filter(status=StaffStatus.ACTIVE).count()),
                    Item("登録準備中の職員", staff.filter(status=StaffStatus.PENDING).count(), alert=True),
                ),
            )
        )
    admin_of = role_facility_ids(user, RoleKind.FACILITY_ADMIN)
    for facility in Facility.objects.filter(pk__in=admin_of).select_related("program"):
        staff = Staff.objects.filter(facility=facility)
        result.append(
            Panel(
                title=f"{facility.name}（MCS管理者）",
                items=(
                    Item("利用中の職員", staff.filter(status=StaffStatus.ACTIVE).count(),
                         reverse("facilities:facility-detail", args=[facility.pk])),
                    Item("登録準備中の職員", staff.filter(status=StaffStatus.PENDING).count(), alert=True),
                ),
            )
        )
    return result
