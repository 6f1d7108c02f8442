"""Helpers of the facilities tests: the day, and the variants grouped by what the ledger must do."""

import datetime

from policy.rules import check
from tests.helpers import variants

TODAY = datetime.date.today()

# Asserted against the profiles in test_the_variant_groups_match_the_profiles, so a policy
# change shows up there first.
PLEDGE_VARIANTS = variants(staff_pledge_required=True)
NOTICE_VARIANTS = variants(change_notice_required=True)
# Where the change notice must be filed before a removal (else it follows the removal).
NOTICE_FIRST_VARIANTS = variants(
    lambda p: any(v.severity == "block" for v in check(p.key, "remove_staff", {"notice_filed": False}))
)
