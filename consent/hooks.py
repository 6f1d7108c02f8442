"""What other apps do when a patient's personal data is erased, or sharing must stop, without
consent importing them.

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

sharing_stopped = Hook("sharing_stopped", args=("patient", "by", "why"))
"""Called by consent.services when the last consent in force is withdrawn or the patient stops being
療養中 (死亡, 利用終了, 転院・転居): the patient's information may no longer be shared. Receiver:
groups.services.stop_sharing, which opens an MCS task to 保管 each active group of the patient for
the facility that runs it, and returns how many it opened."""

patient_links = Hook("patient_links", args=("patient", "user"))
"""Called by the patient's page for what other apps hold about the patient that `user` may open:
each receiver returns [(label, url)]. Receiver: groups.queries.patient_group_links (the patient's
groups)."""
