"""Profile data the oversight app reads: who cautions and guides users (注意・指導)."""

import pytest

from policy.rules import VARIANTS, profile

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
