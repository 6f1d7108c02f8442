"""The program's own password rule, asked of the policy engine on top of the portal's floor.

The floor (13 characters, letters, digits and symbols; settings.AUTH_PASSWORD_VALIDATORS)
holds for everyone. Each program's policy may add to it (a rotation period, a stricter
idea of a symbol): `check(variant, "set_password", ...)` for every program the person
works in. Blocks stop the change; warnings are shown to the person.
"""

from core.services import findings
from policy.rules import check


def policy_notes(user, *, password=None, days_since_change=None):
    """What the user's programs' policies say about `password` and its age, blocks first: findings
    (core.services.findings: rule, severity, article, message), each message citing its policy."""
    facts = {}
    if password is not None:
        facts["password"] = password
    if days_since_change is not None:
        facts["days_since_change"] = days_since_change
    notes = []
    for variant in user.policy_variants():
        for note in findings(check(variant, "set_password", facts)):
            if not any((n["severity"], n["message"]) == (note["severity"], note["message"]) for n in notes):
                notes.append(note)
    return sorted(notes, key=lambda note: note["severity"] != "block")


def blocks(notes):
    """The messages of the notes that stop the change."""
    return [note["message"] for note in notes if note["severity"] == "block"]


def warnings(notes):
    """The notes that only warn, to show with core.views.show_warnings."""
    return [note for note in notes if note["severity"] != "block"]
