"""What other apps do when a staff member is removed, without facilities importing them.

Patient groups sit above facilities in the dependency order (docs/architecture.md), yet a
removal must end the person's group memberships in the same transaction. So the groups
app registers two functions here from its AppConfig.ready():

- a removal hook, fn(*, staff, removed_by, effective_date) -> int: ends every membership
  of the person (leaving its own MCS tasks to remove them in MCS itself) and returns how
  many it ended;
- an open-membership counter, fn(staff) -> int: memberships still open.

`facilities.services.staff_remove` calls every hook, then recounts with every counter and
lets the policy engine block the removal (rolling everything back) if any remain.
"""

_removal_hooks = []
_open_membership_counters = []


def _register(registry, fn):
    if fn not in registry:
        registry.append(fn)

    def undo():
        if fn in registry:
            registry.remove(fn)

    return undo


def register_staff_removal_hook(fn):
    """Call fn(*, staff, removed_by, effective_date) -> int on every removal. Returns an undo."""
    return _register(_removal_hooks, fn)


def register_open_membership_counter(fn):
    """Count a person's open memberships with fn(staff) -> int. Returns an undo."""
    return _register(_open_membership_counters, fn)


def membership_tracking_installed():
    """False until some app keeps group memberships: removals then record that none were open."""
    return bool(_removal_hooks or _open_membership_counters)


def end_memberships(*, staff, removed_by, effective_date):
    """Run every removal hook; the number of memberships they ended."""
    return sum(
        int(hook(staff=staff, removed_by=removed_by, effective_date=effective_date))
        for hook in _removal_hooks
    )


def count_open_memberships(staff):
    return sum(int(counter(staff)) for counter in _open_membership_counters)
