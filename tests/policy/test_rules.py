"""The policy engine against its contract (shared/policy/CONTRACT.md) and rule catalogue.

Pure: no Django, no database. Run alone with `pytest tests/policy -p no:django`.
"""

import dataclasses
import os
import re
from datetime import date
from pathlib import Path

import pytest

from policy import rules
from policy.rules import (
    ACTION_LABELS,
    ACTIONS,
    FORM_KINDS,
    PATIENT_STATUSES,
    PROFILES,
    ROLES,
    RULES,
    SAFEGUARDS,
    VARIANTS,
    Form,
    Violation,
    check,
    profile,
    register_variant,
    rule_table,
)

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")

# MATRIX.md §3, transcribed, with the departures that docs/policy-notes.md records:
# GRP-MANAGER kumagaya reads doctor_delegate (not origin_facility), STF-REMOVE-NOTICE
# musashimurayama is a warning (the notice follows the removal), MBR-STAFF-ONLY is new,
# MBR-CONSENT, GRP-ARCHIVER and PAT-CARE-CHANGE are new (sharing stops with consent or care),
# musashimurayama's APP-PLEDGE article is written 第12条1) like its other items, and matsubara's
# DEV-BYOD rests on the staff pledge 様式4第2条2 (written permission, 必ず), not 第16条(10).
# ROL-ADMIN and ROL-ADMIN-ONE are new (issue 13): the administrator rules hold at every role change;
# iwakuni's 第15条 「事業所ごとに必ず１名設置する」 is a block there, not a warning as at application.
# MBR-SUSPENDED and ROLE-SUSPENDED are new (issue 15: nobody suspended joins a group or gets a role).
EXPECTED = """
APP-PLEDGE          | block 第6条2    | block 第12条1)  | -                  | block 第7条        | block 第11条
APP-ADMIN           | block 第6条1    | block 第13条    | block 第四条       | block 第11条       | block 第15条
APP-ADMIN-ONE       | -               | -               | -                  | -                  | warn 第15条
ROL-ADMIN           | block 第6条1    | block 第13条    | block 第四条       | block 第11条       | block 第15条
ROL-ADMIN-ONE       | -               | -               | -                  | -                  | block 第15条
APP-EMAIL-DUP       | block 第8条(2)  | block 第21条2)  | block 留意事項(3)  | block 第15条(2)    | block 第19条3)
APP-EMAIL-SHARED    | -               | -               | -                  | -                  | warn 第19条2)
APP-AREA            | -               | block 第8条     | -                  | warn 様式1         | block 第8条
APP-INVITE          | warn 第6条1     | -               | -                  | -                  | -
STF-FACILITY        | block 第6条     | block 第12条    | block 第三条       | block 第7条        | block 第11条
STF-PLEDGE          | -               | block 第15条    | block 第六条       | block 第13条       | block 第17条
STF-TRAINING        | -               | block 第12条3)  | -                  | -                  | -
STF-EMAIL-DUP       | block 第8条(2)  | block 第21条2)  | block 留意事項(3)  | block 第15条(2)    | block 第19条3)
STF-REMOVE-GROUPS   | block 第10条(5) | block 第16条2)  | block 留意事項(2)  | block 留意事項(1)  | block 留意事項(1)
STF-REMOVE-NOTICE   | block 第6条3    | warn 第12条2)   | -                  | -                  | -
STF-SELF-WITHDRAW   | warn 第10条(6)  | -               | -                  | -                  | -
STF-DEVICE          | warn 第10条(6)  | -               | warn 留意事項(3)   | warn 留意事項(3)   | warn 留意事項(3)
CNS-OBTAINER        | block 第4条     | block 第19条    | block 第九条       | block 第10条       | block 第14条
CNS-COPY            | -               | block 第19条    | block 第九条       | block 第10条       | block 第14条
CNS-TARGET          | block 第3条     | -               | -                  | -                  | -
CNS-FAMILY          | -               | -               | -                  | warn 様式3         | -
GRP-CONSENT         | block 第4条     | block 第19条    | block 第九条       | block 第10条       | block 第14条
GRP-MANAGER         | block 第5条     | block 第16条2)  | block 第七条       | block 第8条        | block 第12条
GRP-DUP             | -               | -               | -                  | -                  | block 留意事項(1)
GRP-ASSOC-ADMIN     | -               | -               | -                  | block 第9条        | -
GRP-FREE-PATIENT    | -               | block 第17条2)  | -                  | -                  | -
MBR-ACTIVE          | block 第6条     | block 第16条4)  | block 留意事項(2)  | block 留意事項(1)  | block 留意事項(1)
MBR-PLEDGE          | -               | block 第15条    | block 第六条       | block 第13条       | block 第17条
MBR-TRAINING        | -               | block 第12条3)  | -                  | -                  | -
MBR-FAMILY          | block 第5条(3)  | -               | -                  | -                  | -
MBR-STAFF-ONLY      | -               | -               | block 留意事項(2)  | block 留意事項(1)  | block 留意事項(1)
MBR-CONSENT         | block 第4条     | block 第19条    | block 第九条       | block 第10条       | block 第14条
MBR-SUSPENDED       | block 第6条     | block 第11条    | block 第三条       | block 第7条        | block 第10条
GRP-ARCHIVER        | -               | block 第16条6)  | block 留意事項(2)  | block 留意事項(2)  | block 留意事項(2)
PAT-CARE-CHANGE     | block 第5条     | block 第16条2)  | block 第七条       | block 第8条        | block 第12条
AUD-DUE             | -               | -               | warn 留意事項(2)   | warn 留意事項(1)   | warn 留意事項(1)
AUD-INACTIVE        | block 第10条(5) | block 第16条4)  | block 留意事項(2)  | block 留意事項(1)  | block 留意事項(1)
AUD-ASSOC-ADMIN     | -               | -               | -                  | block 第9条        | -
AUD-ARCHIVE         | -               | warn 第16条6)   | warn 留意事項(2)   | warn 留意事項(2)   | warn 留意事項(2)
PWD-STRENGTH        | block 第8条(3)  | warn 第21条3)   | -                  | warn 第15条(3)     | warn 第19条4)
PWD-AGE             | block 第8条(3)  | warn 第21条3)   | -                  | warn 第15条(3)     | warn 第19条4)
DEV-TAKEOUT         | block 第9条(8)  | -               | -                  | warn 第16条(9)     | block 第20条8)
DEV-BYOD            | warn 第9条(9)   | warn 第22条3)   | -                  | block 様式4第2条2  | block 第20条7)
SEC-NO-COPY         | block 第9条(5)  | -               | -                  | warn 第16条(5)     | -
SEC-PERMISSION      | -               | block 第23条    | -                  | -                  | block 第21条
SEC-OTHER-DOC       | -               | block 第23条    | -                  | -                  | block 第21条
DEL-VIA-SECRETARIAT | -               | block 第16条7)  | -                  | -                  | -
ROLE-SUSPENDED      | block 第6条     | block 第11条    | block 第三条       | block 第7条        | block 第10条
"""


def _parse(text):
    table = {}
    for line in text.strip().splitlines():
        rule_id, *cells = (cell.strip() for cell in line.split("|"))
        table[rule_id] = {
            v: (tuple(c.split()) if c != "-" else None) for v, c in zip(VARIANTS, cells, strict=True)
        }
    return table


NO_ROLE = {f"by_{role}": False for role in ROLES}

# rule id -> (facts that make it fire, facts that keep it silent); a callable gets the profile.
CASES = {
    "APP-PLEDGE": ({"facility_pledge": False}, {"facility_pledge": True}),
    "APP-ADMIN": ({"admin_count": 0}, {"admin_count": 1}),
    "APP-ADMIN-ONE": ({"admin_count": 2}, {"admin_count": 1}),
    "ROL-ADMIN": ({"admin_count": 0}, {"admin_count": 1}),
    "ROL-ADMIN-ONE": ({"admin_count": 2}, {"admin_count": 1}),
    "APP-EMAIL-DUP": (
        {"emails": ["sato@clinic.example.jp", " Sato@Clinic.example.jp"]},
        {"emails": ["sato@clinic.example.jp", "ito@clinic.example.jp"], "emails_in_use": ["kato@example.jp"]},
    ),
    "APP-EMAIL-SHARED": ({"emails": ["info2@clinic.example.jp"]}, {"emails": ["sato@clinic.example.jp"]}),
    "APP-AREA": (
        {"facility_in_area": False, "out_of_area_reason": "  "},
        {"facility_in_area": False, "out_of_area_reason": "市内の患者の訪問看護を担当"},
    ),
    "APP-INVITE": ({"invited_to_group": False}, {"invited_to_group": True}),
    "STF-FACILITY": ({"facility_approved": False}, {"facility_approved": True}),
    "STF-PLEDGE": ({"pledge": "none"}, {"pledge": "exempt"}),
    "STF-TRAINING": ({"training_done": False}, {"training_done": True}),
    "STF-EMAIL-DUP": (
        {"email": "Sato@Example.jp", "emails_in_use": {"sato@example.jp"}},
        {"email": "ito@example.jp", "emails_in_use": {"sato@example.jp"}},
    ),
    "STF-REMOVE-GROUPS": ({"open_memberships": 2}, {"open_memberships": 0}),
    "STF-REMOVE-NOTICE": ({"notice_filed": False}, {"notice_filed": True}),
    "STF-SELF-WITHDRAW": ({"self_withdrawn": True}, {"self_withdrawn": False}),
    "STF-DEVICE": ({"devices_returned": False}, {"devices_returned": True}),
    "CNS-OBTAINER": (NO_ROLE, lambda p: {**NO_ROLE, f"by_{p.consent_obtainer_roles[-1]}": True}),
    "CNS-COPY": ({"copy_given": False}, {"copy_given": True}),
    "CNS-TARGET": (
        {"home_visit": False, "doctor_deems_necessary": False},
        {"home_visit": False, "doctor_deems_necessary": True},
    ),
    "CNS-FAMILY": ({"family_signers": 0}, {"family_signers": 1}),
    "GRP-CONSENT": ({"kind": "patient", "consent": "none"}, {"kind": "patient", "consent": "signed"}),
    "GRP-MANAGER": (
        {"kind": "patient", **NO_ROLE},
        lambda p: {"kind": "patient", **NO_ROLE, f"by_{p.group_manager_roles[-1]}": True},
    ),
    "GRP-DUP": (
        {"kind": "patient", "active_groups_for_patient": 1},
        {"kind": "patient", "active_groups_for_patient": 0},
    ),
    "GRP-ASSOC-ADMIN": (
        {"kind": "patient", "includes_association_admin": False},
        {"kind": "patient", "includes_association_admin": True},
    ),
    "GRP-FREE-PATIENT": ({"kind": "free", "patient_linked": True}, {"kind": "free", "patient_linked": False}),
    "MBR-ACTIVE": (
        {"member_kind": "staff", "member_active": True, "member_facility_approved": False},
        {"member_kind": "staff", "member_active": True, "member_facility_approved": True},
    ),
    "MBR-PLEDGE": (
        {"member_kind": "staff", "member_pledge": "none"},
        {"member_kind": "staff", "member_pledge": "signed"},
    ),
    "MBR-TRAINING": (
        {"member_kind": "staff", "member_training_done": False},
        {"member_kind": "staff", "member_training_done": True},
    ),
    "MBR-FAMILY": (
        {"member_kind": "family", "family_agreed": False},
        {"member_kind": "family", "family_agreed": True},
    ),
    "MBR-STAFF-ONLY": ({"member_kind": "patient"}, {"member_kind": "staff"}),
    "MBR-CONSENT": (
        {"member_kind": "staff", "kind": "patient", "consent": "withdrawn"},
        {"member_kind": "staff", "kind": "patient", "consent": "signed", "patient_status": "active"},
    ),
    "MBR-SUSPENDED": (
        {"member_kind": "staff", "staff_suspended": False, "facility_suspended": True},
        {"member_kind": "staff", "staff_suspended": False, "facility_suspended": False},
    ),
    "GRP-ARCHIVER": (
        {"by_origin_facility": False},
        lambda p: {f"by_{role}": True for role in p.archive_roles or ("primary_doctor",)},
    ),
    "PAT-CARE-CHANGE": ({"by_facility_admin": True}, {"by_origin_facility": True}),
    "AUD-DUE": (
        lambda p: {"days_since_review": p.review_interval_days + 1},
        lambda p: {"days_since_review": p.review_interval_days},
    ),
    "AUD-INACTIVE": ({"inactive_members": 1}, {"inactive_members": 0}),
    "AUD-ASSOC-ADMIN": ({"has_association_admin": False}, {"has_association_admin": True}),
    "AUD-ARCHIVE": (
        lambda p: {"group_archived": False, "patient_status": (p.archive_statuses or ("deceased",))[-1]},
        {"group_archived": False, "patient_status": "active"},
    ),
    "PWD-STRENGTH": ({"password": "abcdefghij"}, {"password": "kuma-2025-net"}),
    "PWD-AGE": (
        lambda p: {"days_since_change": (p.password_max_age_days or 60) + 1},
        lambda p: {"days_since_change": p.password_max_age_days or 60},
    ),
    "DEV-TAKEOUT": (
        {"taking_out": True, "written_approval": False},
        {"taking_out": True, "written_approval": True},
    ),
    "DEV-BYOD": (
        {"personal_device": True, "written_approval": False, "device_safeguards": ()},
        {"personal_device": True, "written_approval": True, "device_safeguards": tuple(SAFEGUARDS)},
    ),
    "SEC-NO-COPY": ({"purpose": "care"}, {"document_from_other_facility": False}),
    "SEC-PERMISSION": (
        {"purpose": "care", "provider_permission": False},
        {"purpose": "care", "provider_permission": True},
    ),
    "SEC-OTHER-DOC": ({"document_from_other_facility": True}, {"document_from_other_facility": False}),
    "DEL-VIA-SECRETARIAT": ({"via_secretariat": False}, {"via_secretariat": True}),
    "ROLE-SUSPENDED": ({"staff_suspended": True}, {"staff_suspended": False, "facility_suspended": False}),
}
RULE_BY_ID = {rule.id: rule for rule in RULES}
CELLS = [(rule.id, variant) for rule, entries in rule_table() for variant in entries]


def _facts(case, p):
    return case(p) if callable(case) else case


def _fired(variant, rule_id, facts):
    return [v for v in check(variant, RULE_BY_ID[rule_id].action, facts) if v.rule == rule_id]


def _entries(rule_id):
    return next(entries for rule, entries in rule_table() if rule.id == rule_id)


def _has(variant, rule_id):
    return _entries(rule_id)[variant] is not None


def _assert_readable(violation, p):
    assert JAPANESE.search(violation.message)
    assert p.policy_title in violation.message and violation.article in violation.message
    assert violation.message.count("。") <= 2, violation.message  # one or two sentences
    assert not re.search(r"[{}]|None|True|False", violation.message), violation.message


# --- The table -----------------------------------------------------------------------------


def test_rule_table_matches_the_matrix():
    assert {rule.id: dict(entries) for rule, entries in rule_table()} == _parse(EXPECTED)


def test_every_rule_has_cases_and_a_public_description():
    assert [rule.id for rule in RULES] == list(_parse(EXPECTED)) == list(CASES)
    for rule in RULES:
        assert rule.action in ACTIONS and JAPANESE.search(rule.description) and rule.facts


def test_action_labels_are_japanese_and_cover_every_action():
    assert tuple(ACTION_LABELS) == ACTIONS
    assert all(JAPANESE.search(label) for label in ACTION_LABELS.values())


# --- Every rule in every variant -------------------------------------------------------------


@pytest.mark.parametrize(("rule_id", "variant"), CELLS, ids=[f"{r}-{v}" for r, v in CELLS])
def test_rule_fires_where_it_exists(rule_id, variant):
    p = profile(variant)
    entry = _entries(rule_id)[variant]
    found = _fired(variant, rule_id, _facts(CASES[rule_id][0], p))
    if entry is None:
        assert found == []
        return
    assert [(v.severity, v.article) for v in found] == [tuple(entry)]
    _assert_readable(found[0], p)


@pytest.mark.parametrize(("rule_id", "variant"), CELLS, ids=[f"{r}-{v}" for r, v in CELLS])
def test_rule_stays_silent(rule_id, variant):
    assert _fired(variant, rule_id, _facts(CASES[rule_id][1], profile(variant))) == []


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("role", ROLES)
def test_only_the_profiles_roles_may_obtain_consent_and_create_groups(variant, role):
    p = profile(variant)
    facts = {**NO_ROLE, f"by_{role}": True}
    assert bool(_fired(variant, "CNS-OBTAINER", facts)) == (role not in p.consent_obtainer_roles)
    assert bool(_fired(variant, "GRP-MANAGER", {"kind": "patient", **facts})) == (
        role not in p.group_manager_roles
    )
    assert _fired(variant, "GRP-MANAGER", {"kind": "free", **NO_ROLE}) == []


@pytest.mark.parametrize("variant", VARIANTS)
def test_prior_consent_counts_only_where_the_policy_says_so(variant):
    fired = _fired(variant, "GRP-CONSENT", {"kind": "family", "consent": "prior"})
    assert bool(fired) == (not profile(variant).prior_consent_counts)
    assert _fired(variant, "GRP-CONSENT", {"kind": "free", "consent": "none"}) == []


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("status", PATIENT_STATUSES)
def test_archive_statuses_come_from_the_profile(variant, status):
    fired = _fired(variant, "AUD-ARCHIVE", {"group_archived": False, "patient_status": status})
    assert bool(fired) == (status in profile(variant).archive_statuses)
    assert _fired(variant, "AUD-ARCHIVE", {"group_archived": True, "patient_status": status}) == []


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_facility_administrator_who_archives_is_called_by_the_role_s_own_name(variant):
    """Where the facility administrator archives, the archive texts call them what the role pages do
    (iwakuni: 留意事項's 「MCS管理者」 is 第18条's いつつばし連絡帳（MCS）管理者, i.e. admin_label)."""
    p = profile(variant)
    if "facility_admin" not in p.archive_roles:
        return
    assert p.archive_label == p.admin_label
    assert p.admin_label in p.archive_rule


@pytest.mark.parametrize(
    ("password", "fires_in"),
    [
        ("abc12345", {"kumagaya"}),  # no symbol: only kumagaya asks for one
        ("abc1234!", set()),
        ("abc12!", {"kumagaya", "musashimurayama", "matsubara", "iwakuni"}),  # too short
        ("12345678", {"kumagaya", "musashimurayama", "matsubara", "iwakuni"}),  # no letter
        ("パスワード１２３４５６", {"kumagaya", "musashimurayama", "matsubara", "iwakuni"}),
    ],
)
def test_password_strength(password, fires_in):
    assert {v for v in VARIANTS if _fired(v, "PWD-STRENGTH", {"password": password})} == fires_in


def test_kumagaya_long_passwords_need_no_rotation():
    assert _fired("kumagaya", "PWD-AGE", {"days_since_change": 400, "password_length": 13}) == []
    assert _fired("kumagaya", "PWD-AGE", {"days_since_change": 400, "password": "a1!" * 5}) == []
    assert _fired("kumagaya", "PWD-AGE", {"days_since_change": 61, "password_length": 12})
    assert _fired("matsubara", "PWD-AGE", {"days_since_change": 61, "password_length": 20})


@pytest.mark.parametrize("variant", VARIANTS)
def test_personal_devices_in_a_disaster(variant):
    facts = {"personal_device": True, "written_approval": False, "device_safeguards": (), "disaster_mode": True}
    expected = _has(variant, "DEV-BYOD") and not profile(variant).byod_allowed_in_disaster
    assert bool(_fired(variant, "DEV-BYOD", facts)) == expected


@pytest.mark.parametrize("variant", ["musashimurayama", "iwakuni"])
def test_secondary_use_for_other_purposes_needs_both_permissions_and_anonymizing(variant):
    full = {"purpose": "other", "provider_permission": True, "manager_permission": True, "anonymized": True}
    assert _fired(variant, "SEC-PERMISSION", full) == []
    for missing in ("provider_permission", "manager_permission", "anonymized"):
        assert _fired(variant, "SEC-PERMISSION", {**full, missing: False})
    assert _fired(variant, "SEC-PERMISSION", {"purpose": "other", "provider_permission": True}) == []


def test_emails_already_in_use_are_duplicates():
    fired = _fired(
        "matsubara", "APP-EMAIL-DUP", {"emails": ["a@example.jp"], "emails_in_use": ["A@EXAMPLE.JP"]}
    )
    assert "a@example.jp" in fired[0].message


def test_member_rules_about_staff_ignore_patients_and_families():
    facts = {
        "member_kind": "family",
        "member_pledge": "none",
        "member_training_done": False,
        "member_active": False,
    }
    assert {v.rule for v in check("musashimurayama", "add_member", facts)} == set()


# --- The contract's edges --------------------------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("action", ACTIONS)
def test_empty_facts_check_nothing(variant, action):
    assert check(variant, action, {}) == []


def test_unknown_variant_and_action_are_named():
    with pytest.raises(ValueError, match="nosuchtown"):
        check("nosuchtown", "submit_application", {})
    with pytest.raises(ValueError, match="fly_to_the_moon"):
        check("chuo", "fly_to_the_moon", {})
    with pytest.raises(ValueError, match="nosuchtown"):
        profile("nosuchtown")


@pytest.mark.parametrize(
    ("action", "name"),
    [
        ("submit_application", "facility_pledges"),  # a typo
        ("submit_application", "password"),  # a real fact, of another action
        ("activate_staff", "emails"),
    ],
)
def test_unknown_fact_names_are_named(action, name):
    with pytest.raises(ValueError, match=name):
        check("iwakuni", action, {name: True})


@pytest.mark.parametrize(
    ("action", "name", "value"),
    [
        ("submit_application", "facility_pledge", "yes"),
        ("submit_application", "facility_pledge", 1),
        ("submit_application", "facility_pledge", None),
        ("submit_application", "admin_count", True),
        ("submit_application", "admin_count", "1"),
        ("submit_application", "admin_count", -1),
        ("submit_application", "admin_count", 1.0),
        ("submit_application", "emails", "a@example.jp"),
        ("submit_application", "emails", ["a@example.jp", 3]),
        ("submit_application", "emails", {"a@example.jp": 1}),
        ("submit_application", "out_of_area_reason", 0),
        ("activate_staff", "pledge", "signed_off"),
        ("activate_staff", "pledge", True),
        ("activate_staff", "email", ["a@example.jp"]),
        ("create_group", "kind", "group"),
        ("create_group", "consent", "yes"),
        ("add_member", "member_kind", "doctor"),
        ("review_group", "patient_status", "alive"),
        ("set_password", "password", 12345678),
        ("secondary_use", "purpose", "research"),
    ],
)
def test_wrong_fact_types_are_named(action, name, value):
    for variant in VARIANTS:
        with pytest.raises(ValueError, match=name):
            check(variant, action, {name: value})


def test_facts_must_be_a_mapping():
    with pytest.raises(ValueError, match="mapping"):
        check("chuo", "activate_staff", [("facility_approved", False)])


def test_any_iterable_of_addresses_is_accepted():
    in_use = (a for a in ["sato@example.jp"])
    assert _fired("chuo", "STF-EMAIL-DUP", {"email": "sato@example.jp", "emails_in_use": in_use})


def test_blocks_come_before_warnings_each_in_matrix_order():
    facts = {
        "facility_pledge": False,
        "admin_count": 2,
        "emails": ["info@example.jp", "INFO@example.jp"],
        "facility_in_area": False,
    }
    found = check("iwakuni", "submit_application", facts)
    assert [(v.rule, v.severity) for v in found] == [
        ("APP-PLEDGE", "block"),
        ("APP-EMAIL-DUP", "block"),
        ("APP-AREA", "block"),
        ("APP-ADMIN-ONE", "warn"),
        ("APP-EMAIL-SHARED", "warn"),
    ]


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("action", ACTIONS)
def test_order_holds_when_everything_fires(variant, action):
    p = profile(variant)
    facts = {}
    for rule in RULES:
        if rule.action == action:
            facts.update(_facts(CASES[rule.id][0], p))
    order = [rule.id for rule in RULES]
    found = check(variant, action, facts)
    keys = [(v.severity != "block", order.index(v.rule)) for v in found]
    assert keys == sorted(keys)
    assert len({v.rule for v in found}) == len(found)


# --- Profiles -----------------------------------------------------------------------------

ATTRIBUTES = """key program_name policy_title effective_date municipality application_receiver
secretariat_approves forms group_manager_roles consent_obtainer_roles group_manager_label
consent_obtainer_label prior_consent_counts consent_copy_required consent_min_family_signers
consent_custody consent_custody_for_patient staff_pledge_required pledge_exemption_allowed training_required_before_use
change_notice_required periodic_review review_interval_days archive_statuses archive_rule
deletion_via_secretariat one_group_per_patient association_admin_in_group family_members_allowed
free_groups_allowed free_group_patient_forbidden admins_per_facility max_admins out_of_area
asks_inviter password_rule password_binding password_max_age_days publishes_facility_list
admin_notice_group facility_pledge_text staff_pledge_text""".split()


@pytest.mark.parametrize("variant", VARIANTS)
def test_profile_has_what_the_apps_read(variant):
    p = profile(variant)
    assert p is PROFILES[variant] and p.key == variant
    for name in ATTRIBUTES:
        assert hasattr(p, name), name
    assert isinstance(p.effective_date, date)
    assert tuple(p.forms) == FORM_KINDS
    for kind in FORM_KINDS:
        form = p.form(kind)
        assert form is p.forms[kind]
        assert form is None or (
            isinstance(form, Form) and form.number.startswith("様式") and JAPANESE.search(form.title)
        )
    assert set(p.group_manager_roles) <= set(ROLES) and set(p.consent_obtainer_roles) <= set(ROLES)
    assert set(p.archive_statuses) <= set(PATIENT_STATUSES)
    assert p.out_of_area in ("allowed_with_reason", "warn", "not_written")
    assert isinstance(p.review_interval_days, int) and p.review_interval_days > 0
    for n, text in enumerate(p.facility_pledge_text or (), 1):
        assert f"第{n}条" in text and JAPANESE.search(text)
    for n, text in enumerate(p.staff_pledge_text or (), 1):
        # matsubara's 様式4 puts each article's heading above 「第N条」, as the policy prints it.
        assert f"第{n}条" in text and JAPANESE.search(text)
    if p.consent_text is not None:
        assert p.consent_text["clauses"] and p.consent_text["purposes"] and "consent" in p.own_texts
    with pytest.raises(ValueError, match="bogus"):
        p.form("bogus")


@pytest.mark.parametrize(
    ("variant", "attribute", "expected"),
    [
        ("kumagaya", "program_name", "くまねっとMCS"),
        ("kumagaya", "effective_date", date(2023, 1, 27)),
        ("kumagaya", "group_manager_roles", ("primary_doctor", "doctor_delegate")),  # 第5条
        ("kumagaya", "consent_obtainer_roles", ("primary_doctor", "origin_facility")),  # 第4条
        ("kumagaya", "asks_inviter", True),
        ("kumagaya", "password_binding", True),
        ("kumagaya", "staff_pledge_text", None),
        ("musashimurayama", "training_required_before_use", True),
        ("musashimurayama", "deletion_via_secretariat", True),
        ("musashimurayama", "archive_statuses", ("deceased",)),
        ("musashimurayama", "password_max_age_days", 90),
        ("chuo", "secretariat_approves", False),
        ("chuo", "facility_pledge_text", None),
        ("chuo", "consent_obtainer_roles", ("group_leader",)),
        ("matsubara", "consent_min_family_signers", 1),
        ("matsubara", "association_admin_in_group", True),
        ("matsubara", "password_max_age_days", 60),
        ("iwakuni", "max_admins", 1),
        ("iwakuni", "one_group_per_patient", True),
        ("iwakuni", "policy_title", "いつつばし連絡帳運用規程"),
        ("iwakuni", "archive_statuses", ("deceased", "ended", "transferred")),
    ],
)
def test_profile_values_follow_the_texts(variant, attribute, expected):
    assert getattr(profile(variant), attribute) == expected


@pytest.mark.parametrize(
    ("variant", "kind", "number", "title"),
    [
        ("kumagaya", "change_notice", "様式2", "くまねっとMCS利用申込書兼変更届"),
        ("musashimurayama", "consent", "様式5", "患者同意書"),
        ("chuo", "staff_pledge", "様式第1号", "業務情報保持に関する誓約書"),
        ("matsubara", "consent", "様式3", "在宅医療における個人情報使用同意書"),
        ("iwakuni", "facility_pledge", "様式2", "いつつばし連絡帳（MCS）利用に係る連携守秘誓約書"),
    ],
)
def test_forms_follow_the_texts(variant, kind, number, title):
    assert profile(variant).form(kind) == Form(number, title)


def test_profiles_and_violations_are_frozen():
    p = profile("chuo")
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.secretariat_approves = True
    with pytest.raises(TypeError):
        p.forms["application"] = Form("様式9", "勝手な様式")
    with pytest.raises(TypeError):
        PROFILES["chuo"] = p
    violation = check("chuo", "activate_staff", {"facility_approved": False})[0]
    assert isinstance(violation, Violation)
    with pytest.raises(dataclasses.FrozenInstanceError):
        violation.severity = "warn"


# --- A sixth variant ----------------------------------------------------------------------


def _sixth_profile(**changes):
    # Starts from chuo and switches off what the throwaway table below does not carry.
    values = {
        "key": "testville",
        "program_name": "テスト村MCS",
        "policy_title": "テスト村MCS運用規程",
        "consent_copy_required": False,
        "family_members_allowed": True,
        "periodic_review": False,
        "archive_statuses": (),
        "archive_roles": (),
        "pledge_exemption_allowed": False,
        **changes,
    }
    return dataclasses.replace(profile("chuo"), **values)


SIXTH_RULES = {
    "STF-FACILITY": ("block", "第2条"),
    "STF-PLEDGE": ("warn", "第3条"),
    "MBR-PLEDGE": ("warn", "第3条"),
    "CNS-OBTAINER": ("block", "第4条"),
}


@pytest.fixture
def sixth():
    undo = register_variant(_sixth_profile(), SIXTH_RULES)
    yield "testville"
    undo()


def test_a_sixth_variant_is_one_profile_and_its_rules(sixth):
    assert profile(sixth).program_name == "テスト村MCS" and sixth in PROFILES
    found = check(sixth, "activate_staff", {"facility_approved": False, "pledge": "exempt"})
    assert [(v.rule, v.severity, v.article) for v in found] == [
        ("STF-FACILITY", "block", "第2条"),
        ("STF-PLEDGE", "warn", "第3条"),  # no exemption in this variant
    ]
    assert "テスト村MCS運用規程第3条" in found[1].message
    assert check(sixth, "submit_application", {"admin_count": 0}) == []  # rule absent here
    assert {rule.id: entries[sixth] for rule, entries in rule_table() if entries[sixth]} == SIXTH_RULES


def test_undo_removes_the_sixth_variant():
    undo = register_variant(_sixth_profile(), SIXTH_RULES)
    undo()
    undo()  # idempotent
    assert "testville" not in PROFILES and tuple(PROFILES) == VARIANTS
    with pytest.raises(ValueError, match="testville"):
        check("testville", "activate_staff", {})
    assert all("testville" not in entries for _, entries in rule_table())


@pytest.mark.parametrize(
    ("new_profile", "table", "named"),
    [
        (profile("iwakuni"), {}, "already registered"),
        (_sixth_profile(), {**SIXTH_RULES, "NOPE-1": ("block", "第1条")}, "NOPE-1"),
        (_sixth_profile(), {**SIXTH_RULES, "APP-ADMIN": ("fatal", "第1条")}, "APP-ADMIN"),
        (_sixth_profile(), {**SIXTH_RULES, "APP-ADMIN": ("block", "")}, "APP-ADMIN"),
        (_sixth_profile(), {**SIXTH_RULES, "GRP-DUP": ("block", "第9条")}, "one_group_per_patient"),
        (_sixth_profile(staff_pledge_required=False), SIXTH_RULES, "staff_pledge_required"),
        (_sixth_profile(key="Bad Key"), SIXTH_RULES, "Bad Key"),
    ],
)
def test_inconsistent_registrations_are_refused(new_profile, table, named):
    with pytest.raises(ValueError, match=named):
        register_variant(new_profile, table)
    assert tuple(PROFILES) == VARIANTS


def test_builtin_profiles_pass_the_registration_checks():
    for variant in VARIANTS:
        table = {rule.id: entries[variant] for rule, entries in rule_table() if entries[variant]}
        assert list(rules._inconsistencies(profile(variant), table)) == []


# --- Nobody else knows a variant ------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
VARIANT_NAME = re.compile("matsubara|kumagaya|iwakuni|chuo|musashimurayama")  # CONTRACT.md's grep
SKIP_DIRS = {".venv", ".git", "node_modules", "tests", "migrations", "__pycache__"}


def test_no_app_names_a_variant():
    leaks = []
    for directory, subdirs, files in os.walk(ROOT):
        relative = Path(directory).relative_to(ROOT)
        subdirs[:] = [
            d for d in subdirs if d not in SKIP_DIRS and not (relative == Path(".") and d == "policy")
        ]
        for name in files:
            path = relative / name
            if not name.endswith(".py") or re.search("demo|seed", str(path)):
                continue
            for number, line in enumerate((ROOT / path).read_text(encoding="utf-8").splitlines(), 1):
                if VARIANT_NAME.search(line):
                    leaks.append(f"{path}:{number}: {line.strip()}")
    assert leaks == []


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize(("facts", "why"), [
    ({"consent": "withdrawn"}, "撤回"),
    ({"consent": "signed", "patient_status": "deceased"}, "亡くなって"),
    ({"consent": "signed", "patient_status": "ended"}, "終了"),
])
def test_sharing_stops_when_consent_is_withdrawn_or_care_ends(variant, facts, why):
    """Creating a group and inviting into one are blocked on the same basis, citing the same article."""
    made = [v for v in check(variant, "create_group", {"kind": "patient", **facts}) if v.rule == "GRP-CONSENT"]
    invited = check(variant, "add_member", {"member_kind": "staff", "kind": "patient", **facts})
    invited = [v for v in invited if v.rule == "MBR-CONSENT"]
    assert len(made) == len(invited) == 1 and made[0].article == invited[0].article
    assert why in made[0].message and why in invited[0].message
    assert check(variant, "add_member", {"member_kind": "staff", "kind": "free", **facts}) == []


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_secretariat_may_archive_and_change_a_patients_care(variant):
    assert not check(variant, "archive_group", {"by_secretariat": True})
    assert not check(variant, "change_patient_care", {"by_secretariat": True})
