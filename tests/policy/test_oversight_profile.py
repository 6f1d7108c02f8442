"""Profile data the oversight app reads: who cautions and guides users (注意・指導), the devices safeguards,
the disaster exception, and DEV-BYOD as the texts say it."""

import dataclasses

import pytest

from policy.profiles import SAFEGUARDS
from policy.rules import VARIANTS, check, profile

# Where the policy text names the body that may caution users; elsewhere the secretariat acts.
GUIDANCE = {
    "kumagaya": ("熊谷市在宅医療支援センター", ""),
    "musashimurayama": ("武蔵村山市医師会 在宅医療委員会", "第11条"),  # 第11条 在宅医療委員会は…注意や指導
    "chuo": ("中央区在宅療養支援協議会", ""),
    "matsubara": ("松原市医師会", ""),
    "iwakuni": ("いつつばしネット協議会", "第10条"),  # 第10条 いつつばしネット協議会は…注意又は指導
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_who_guides_users(variant):
    p = profile(variant)
    assert (p.guidance_body, p.guidance_article) == GUIDANCE[variant]


# --- Devices (DEV-BYOD against the texts; docs/policy-notes.md items 7 and 14) ---------------

ALL = tuple(SAFEGUARDS)


def _byod(variant, **facts):
    return [v for v in check(variant, "register_device", {"personal_device": True, **facts}) if v.rule == "DEV-BYOD"]


def test_kumagaya_asks_the_same_safeguards_not_a_written_approval():
    # 第9条(9): a personal device is run like items 1-8; no written approval of its own.
    assert _byod("kumagaya", written_approval=False, device_safeguards=ALL) == []
    (found,) = _byod("kumagaya", written_approval=True, device_safeguards=("boot_lock", "antivirus"))
    assert (found.severity, found.article) == ("warn", "第9条(9)")
    assert "リモートワイプ" in found.message and "緊急回線停止" in found.message and "書面" not in found.message


def test_matsubara_asks_written_permission_for_any_device_not_lent():
    # 様式4 第2条2: 貸与を受けた機器以外の機器を業務で使用する場合には、必ず…書面による許可
    (found,) = _byod("matsubara", written_approval=False)
    assert (found.severity, found.article) == ("block", "様式4第2条2")
    assert "管理者の書面による承認" in found.message
    assert _byod("matsubara", written_approval=True, device_safeguards=()) == []


@pytest.mark.parametrize(("variant", "article"), [("musashimurayama", "第27条"), ("iwakuni", "第25条")])
def test_a_disaster_lets_unregistered_devices_be_used(variant, article):
    p = profile(variant)
    assert p.byod_allowed_in_disaster and p.disaster_article == article
    assert _byod(variant, written_approval=False)
    assert _byod(variant, written_approval=False, disaster_mode=True) == []


@pytest.mark.parametrize("variant", VARIANTS)
def test_device_safeguards_are_named_by_the_policy(variant):
    p = profile(variant)
    assert set(p.device_safeguards) <= set(SAFEGUARDS)
    assert bool(p.device_safeguards) == bool(p.device_safeguards_article)
    assert p.byod_allowed_in_disaster == bool(p.disaster_article)


def test_a_profile_with_a_disaster_article_but_no_exception_is_refused():
    with pytest.raises(ValueError, match="disaster_article"):
        dataclasses.replace(profile("kumagaya"), disaster_article="第99条")
    with pytest.raises(ValueError, match="device_safeguards"):
        dataclasses.replace(profile("kumagaya"), device_safeguards=("telepathy",))
