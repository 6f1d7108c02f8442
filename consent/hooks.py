"""What other apps do when a patient's personal data is erased, without consent importing them.

Patient groups sit above consent in the dependency order (docs/architecture.md), yet an
erasure must end the patient's group memberships in the same transaction. So the groups
app registers a function here from its AppConfig.ready():

    register_patient_erasure_hook(fn)  ->  undo()

    fn(*, patient, by) -> int

`consent.erasure.patient_erase` calls every hook inside its transaction, after the policy
check and before it scrubs the patient's own fields, so `patient.full_name` and the rest are
still readable to find copies of them. A hook ends every membership of the patient, scrubs
whatever personal data of the patient its app copied (live rows and their history rows), and
returns how many memberships it ended. Raising (a ValidationError, say) refuses the erasure:
everything rolls back.
"""

_erasure_hooks = []


def register_patient_erasure_hook(fn):
    """Call fn(*, patient, by) -> int on every erasure. Returns a function that unregisters it."""
    if fn not in _erasure_hooks:
        _erasure_hooks.append(fn)
    return lambda: fn in _erasure_hooks and _erasure_hooks.remove(fn)


def run_patient_erasure_hooks(*, patient, by):
    """Run every hook; the number of memberships they ended together."""
    return sum(int(hook(patient=patient, by=by)) for hook in list(_erasure_hooks))
