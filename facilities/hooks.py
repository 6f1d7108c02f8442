"""What other apps do when a staff member is removed or administrators change, without facilities
importing them.

Patient groups sit above facilities in the dependency order (docs/architecture.md), yet a
removal must end the person's group memberships in the same transaction.
`facilities.services.staff_remove` calls `staff_removed`, then `open_memberships`, and lets
the policy engine block the removal (rolling everything back) if any membership is still open.
The groups app connects the receivers in groups/apps.py.
"""

from core.hooks import Hook

staff_removed = Hook("staff_removed", args=("staff", "by", "reason", "effective_date"))
"""Receiver: groups.services.memberships_end_for_removed_staff, which ends every membership of
the person (why they left, `reason`, a RemovalReason value, becomes the end reason) and opens a
task to remove them in MCS; returns how many it ended."""

open_memberships = Hook("open_memberships", args=("staff",))
"""Receiver: groups.services.open_membership_count, the memberships the person still holds."""

admin_changed = Hook("admin_changed", args=("staff", "facility", "by", "became_admin"))
"""Someone became (`became_admin=True`) or stopped being (False) an administrator (MCS管理者) of
`facility`: call it after the ledger and roles are saved, inside the same transaction. With
`staff=None`, the facility's administrators changed together (it was suspended, withdrew or came
back). Receiver: groups.admin_notice.admin_changed, which keeps the network's MCS group of
facility administrators (施設管理者連絡網) true: it reads the saved ledger, so a spurious call
changes nothing. Called by facility_admin_grant, staff_update (is_admin changed),
staff_try_activate (an administrator starts) and staff_remove."""

suspension_started = Hook("suspension_started", args=("suspension", "by"))
"""Receiver: groups.suspension.restrict_memberships, which opens an MCS task to stop each open
membership of the suspended person (or of every person of the suspended facility); returns how
many memberships it listed. Called by facilities.life.suspension_start in its transaction."""

suspension_lifted = Hook("suspension_lifted", args=("suspension", "by"))
"""Receiver: groups.suspension.restrictions_not_needed, which closes the restriction tasks still
open as 不要 (the person may take part again); returns how many it closed."""

facility_withdrawn = Hook("facility_withdrawn", args=("facility", "staff", "by"))
"""Receiver: groups.withdrawal.release_tasks_open, which opens one MCS task per account of the
withdrawing facility's removed `staff` (スタッフ解除, which the facility must do itself in MCS);
returns how many it opened. Called by facilities.life.facility_withdraw in its transaction."""
