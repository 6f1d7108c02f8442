"""URL walk providers for the staff ledger (see tests/walk.py)."""

from tests.facilities.factories import ChangeNoticeFactory

PROVIDERS = {
    "staff_pk": lambda w: w.staff_b.pk,
    "notice_pk": lambda w: ChangeNoticeFactory(facility=w.facility_b).pk,
}
PUBLIC = {}
