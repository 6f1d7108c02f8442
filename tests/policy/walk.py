"""The policy app's part of the access table (tests/walk.py)."""

from tests.walk import EVERYONE, GET, Access

ACCESS = {
    "policy:compare": Access(GET, EVERYONE),
}
