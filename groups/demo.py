"""Demo data of this app for one demo program (called by demo's seed_demo, idempotent)."""


def seed(program, *, facilities, stdout=None):
    """Create this app's demo rows for `program`; return lines to print (e.g. extra logins)."""
    return []
