"""The program's own password rule, asked of the policy engine on top of the portal's floor.

The floor (13 characters, letters, digits and symbols; settings.AUTH_PASSWORD_VALIDATORS)
holds for everyone. Each program's policy may add to it (a rotation period, a stricter
idea of a symbol): `check(variant, "set_password", ...)` for every program the person
works in. Blocks stop the change; warnings are shown to the person.
"""

from dataclasses import dataclass

from policy.rules import check


@dataclass(frozen=True)
class PolicyNote:
    severity: str  # "block" or "warn"
    text: str  # the engine's message, with the policy and article it comes from


def policy_notes(user, *, password=None, days_since_change=None):
    """What the user's programs' policies say about `password` and its age, blocks first."""
    facts = {}
    if password is not None:
        facts["password"] = password
    if days_since_change is not None:
        facts["days_since_change"] = days_since_change
    notes = []
    for variant in user.policy_variants():
        for violation in check(variant, "set_password", facts):
            note = PolicyNote(violation.severity, violation.message)
            if note not in notes:
                notes.append(note)
    return sorted(notes, key=lambda note: note.severity != "block")


def blocks(notes):
    return [note.text for note in notes if note.severity == "block"]


def warnings(notes):
    return [note.text for note in notes if note.severity != "block"]
