"""Form data for the enrollment tests: registrant rows, what ApplicationForm gives the services,
and what a browser posts."""

from django.utils import timezone

from facilities.models import FacilityKind, StaffStatus
from tests.helpers import variants

# What each variant needs to pass every blocking rule of submit_application.
IN_AREA = {"postal_code": "580-0001", "address": "大阪府松原市若林1-2-3"}


def row(n, *, admin=False, email=None, **extra):
    return {
        "full_name": f"登録 花子{n}", "full_name_kana": "トウロク ハナコ", "gender": "女",
        "email": email or f"hanako{n}@example.jp", "job": "nurse", "is_admin": admin, **extra,
    }


def service_data(program, **overrides):
    """cleaned_data as ApplicationForm would give it, passing every block of the program's variant."""
    data = {
        "facility_name": "みらい在宅クリニック", "facility_name_kana": "ミライザイタククリニック",
        "facility_kind": FacilityKind.CLINIC, **IN_AREA, "phone": "072-123-4567", "fax": "",
        "contact_name": "申込 太郎", "contact_email": "contact@example.jp",
        "out_of_area_reason": "", "invited_by": "ひだまりクリニック 青木医師",
        "pledge_agreed": True, "pledge_signer_name": "申込 太郎", "pledge_signed_on": timezone.localdate(),
    }
    data.update(overrides)
    return data


def post_data(program, *, rows=None, **overrides):
    """The public form as a browser posts it (strings; checkboxes present only when ticked)."""
    rows = rows if rows is not None else [row(1, admin=True), row(2)]
    data = {
        "facility_name": "みらい在宅クリニック", "facility_name_kana": "みらいざいたくくりにっく",
        "facility_kind": "clinic", "postal_code": "５８０－０００１", "address": "大阪府松原市若林１－２－３",
        "phone": "０７２－１２３－４５６７", "fax": "", "contact_name": "申込　太郎",
        "contact_email": "Contact@Example.jp", "out_of_area_reason": "", "invited_by": "ひだまりクリニック 青木医師",
        "pledge_agreed": "on", "pledge_signer_name": "申込 太郎",
        "pledge_signed_on": timezone.localdate().isoformat(),
        "registrants-TOTAL_FORMS": str(len(rows)), "registrants-INITIAL_FORMS": "0",
        "registrants-MIN_NUM_FORMS": "1", "registrants-MAX_NUM_FORMS": "50",
    }
    for i, r in enumerate(rows):
        for key, value in r.items():
            if key == "is_admin":
                if value:
                    data[f"registrants-{i}-is_admin"] = "on"
            elif key == "DELETE":
                if value:
                    data[f"registrants-{i}-DELETE"] = "on"
            else:
                data[f"registrants-{i}-{key}"] = value
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _asks_more(p):
    return p.staff_pledge_required or p.training_required_before_use


# How the staff an approval enrolls start: active at once where the variant asks nothing of each
# person first, else pending on the ledger until they have it.
STAFF_STATUS_ON_APPROVAL = {
    **dict.fromkeys(variants(lambda p: not _asks_more(p)), StaffStatus.ACTIVE),
    **dict.fromkeys(variants(_asks_more), StaffStatus.PENDING),
}
