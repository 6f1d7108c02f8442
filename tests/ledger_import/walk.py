"""URL kwargs and the role matrix of the ledger import (see tests/walk.py, tests/security/roles.py).

Its URLs take only the program's slug, which the foundation provides; the secretariat alone may open them.
"""

PROVIDERS = {}
PUBLIC = {}

MATRIX = {
    "ledger_import:programs": ("GET", frozenset({"secretariat"})),
    "ledger_import:import": ("GET", frozenset({"secretariat"})),
    "ledger_import:import-commit": ("POST", frozenset({"secretariat"})),
    "ledger_import:import-template": ("GET", frozenset({"secretariat"})),
}
