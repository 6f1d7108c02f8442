"""What other apps do when a patient's personal data is erased, without consent importing them.

Patient groups sit above consent in the dependency order (docs/architecture.md), yet an
erasure must end the patient's group memberships in the same transaction.
`consent.erasure.patient_erase` calls `patient_erased` inside its transaction, after the policy
check and before it scrubs the patient's own fields, so `patient.full_name` and the rest are
still readable to find copies of them. Raising (a ValidationError, say) refuses the erasure:
everything rolls back. The groups app connects the receiver in groups/apps.py.
"""

from core.hooks import Hook

patient_erased = Hook("patient_erased", args=("patient", "by"))
"""Receiver: groups.erasure.end_groups_of_erased_patient, which ends every membership of the
patient, archives their groups, scrubs whatever personal data of the patient groups copied (live
rows and history rows) and returns how many memberships it ended."""
