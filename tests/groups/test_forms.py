"""What people type into the groups app reaches MCS task titles, the register and the review report
(PDF and CSV): every such text is refused when the printed forms' font cannot draw it, with the
character named, as in the consent and enrollment forms."""

import pytest

from groups.forms import (
    ArchiveForm,
    CampaignForm,
    DeletionForm,
    GroupCreateForm,
    MemberRemoveForm,
    PersonForm,
    TaskConfirmForm,
    WorksheetForm,
)
from groups.queries import member_rows
from tests.groups.helpers import TODAY
from tests.helpers import variants_split

pytestmark = pytest.mark.django_db

REFUSED = "「𠮷」は印刷できない文字です"


def _forms(site):
    """(form class, its keyword arguments, valid data, the free-text fields to try)."""
    rows = member_rows(site.group(), today=TODAY)
    seat = rows[0].membership.pk
    return [
        (CampaignForm, {"program": site.program, "secretariat": True},
         {"scope": "all", "due_on": "2099-12-31"}, ["title"]),
        (WorksheetForm, {"rows": rows}, {f"decision_{seat}": "unsure", f"reason_{seat}": "確認中"},
         [f"reason_{seat}", "note"]),
        (PersonForm, {}, {"member_kind": "family", "person_name": "見本 花子", "relationship": "長女"},
         ["person_name", "relationship"]),
        (MemberRemoveForm, {}, {"reason": "other", "note": "担当替え", "ended_on": TODAY.isoformat()}, ["note"]),
        (ArchiveForm, {}, {"reason": "利用終了のため", "archived_on": TODAY.isoformat()}, ["reason"]),
        (DeletionForm, {"program": site.program}, {"reason": "長女から電話で申出", "via_secretariat": "yes"},
         ["reason"]),
        (TaskConfirmForm, {}, {"note": "MCSで対応済み"}, ["note"]),
    ]


@pytest.mark.parametrize("variant", ["chuo"])
def test_every_printed_text_refuses_what_the_font_cannot_draw(site):
    for form_class, kwargs, data, fields in _forms(site):
        assert form_class(data, **kwargs).is_valid(), form_class
        for field in fields:
            form = form_class({**data, field: "𠮷田さんの件"}, **kwargs)
            assert not form.is_valid(), (form_class, field)
            assert REFUSED in form.errors[field][0], (form_class, field)
            fine = form_class({**data, field: "吉田さんの件"}, **kwargs)
            assert fine.is_valid(), (form_class, field, fine.errors)


FREE_GROUPS, _ = variants_split(lambda p: p.free_groups_allowed)


@pytest.mark.parametrize("variant", FREE_GROUPS)
def test_a_free_groups_name_refuses_what_the_font_cannot_draw(site):
    data = {"kind": "free", "title": "𠮷田さんの会", "leader": site.leader.pk}
    form = GroupCreateForm(data, program=site.program, user=site.coordinator)
    assert not form.is_valid() and REFUSED in form.errors["title"][0]
    form = GroupCreateForm({**data, "title": "吉田さんの会"}, program=site.program, user=site.coordinator)
    assert form.is_valid(), form.errors


@pytest.mark.parametrize("variant", ["kumagaya"])
def test_a_review_round_is_not_offered_for_a_facility_that_has_left(site):
    from facilities.models import FacilityStatus

    site.clinic.status = FacilityStatus.WITHDRAWN
    site.clinic.save(update_fields=["status"])
    offered = set(CampaignForm(program=site.program, secretariat=True).fields["facility"].queryset)
    assert site.clinic not in offered and site.nursing in offered
