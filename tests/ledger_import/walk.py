"""The ledger import's part of the access table (tests/walk.py).

Its URLs take only the program's slug, which the foundation provides; the secretariat alone may
open them (a commit with no file kept goes back to the upload page).
"""

from tests.walk import GET, POST, SECRETARIAT, Access

ACCESS = {
    # No slug: each secretariat sees its own programs; other roles are refused.
    "ledger_import:programs": Access(GET, SECRETARIAT, people={"secretariat_b": 200, "admin_b": 403,
                                                               "coordinator_b": 403}),
    "ledger_import:import": Access(GET, SECRETARIAT),
    "ledger_import:import-commit": Access(POST, SECRETARIAT, status=302),
    "ledger_import:import-template": Access(GET, SECRETARIAT),
}
