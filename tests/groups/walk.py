"""URL kwargs of the groups app for the URL walks.

- PROVIDERS (tests/foundation/test_url_walk.py): objects of program B, made on first use;
- MATRIX, KWARG_SCOPES, OWN, SIBLING (tests/security/roles.py): who of program A may open what,
  with objects at facility_a (the roles' own) and at facility_a2 (a sibling facility).
"""

from tests.groups.factories import (
    GroupFactory,
    GroupReviewFactory,
    McsTaskFactory,
    MembershipFactory,
    follow_up,
)


def _group_b(w):
    if not hasattr(w, "_groups_group_b"):
        w._groups_group_b = GroupFactory(origin_facility=w.facility_b, leader=w.staff_b)
    return w._groups_group_b


def _review_b(w):
    if not hasattr(w, "_groups_review_b"):
        w._groups_review_b = GroupReviewFactory(group=_group_b(w))
    return w._groups_review_b


PROVIDERS = {
    "group_pk": lambda w: _group_b(w).pk,
    "membership_pk": lambda w: MembershipFactory(group=_group_b(w)).pk,
    "task_pk": lambda w: McsTaskFactory(group=_group_b(w)).pk,
    "review_pk": lambda w: _review_b(w).pk,
    "campaign_pk": lambda w: _review_b(w).campaign_id,
    "decision_pk": lambda w: follow_up(_group_b(w)).pk,
}

PUBLIC = {}

# --- The role walk (tests/security/roles.py) --------------------------------------------

GET, POST = "GET", "POST"
S, A, C = "secretariat", "admin", "coordinator"
FACILITY = frozenset({S, A, C})  # the group's facility and the secretariat read
CARE = frozenset({A, C})  # the group's facility manages it
SECRETARIAT = frozenset({S})

MATRIX = {
    "groups:group-list": (GET, FACILITY),
    "groups:group-create": (GET, CARE),
    "groups:dashboard": (GET, SECRETARIAT),
    "groups:task-list": (GET, FACILITY),
    "groups:association-admin": (GET, SECRETARIAT),
    "groups:campaign-list": (GET, FACILITY),
    "groups:campaign-create": (GET, SECRETARIAT),  # and the leaders of groups; the walk's roles lead none
    "groups:facility-dashboard": (GET, FACILITY),
    "groups:group-detail": (GET, FACILITY),
    "groups:member-add": (GET, CARE),
    "groups:person-add": (GET, CARE),
    "groups:association-admin-add": (POST, CARE),
    "groups:group-leader": (GET, CARE),
    "groups:group-archive": (GET, CARE),
    "groups:group-restore": (POST, CARE),
    "groups:group-deletion": (GET, CARE),
    "groups:member-respond": (POST, CARE),
    "groups:follow-up-settle": (POST, CARE),
    "groups:member-remove": (GET, CARE),
    "groups:task-confirm": (POST, FACILITY),
    "groups:campaign-detail": (GET, FACILITY),
    "groups:campaign-report-pdf": (GET, SECRETARIAT),  # and whoever started the campaign
    "groups:campaign-report-csv": (GET, SECRETARIAT),
    "groups:review-worksheet": (GET, FACILITY),
    "groups:review-complete": (POST, CARE),  # the secretariat only once the review is escalated
    "groups:review-report-pdf": (GET, FACILITY),
    "groups:review-report-csv": (GET, FACILITY),
}

KWARG_SCOPES = {
    "group_pk": "facility",
    "membership_pk": "facility",
    "task_pk": "facility",
    "review_pk": "facility",
    "campaign_pk": "program",  # a round over the program; each facility sees its own groups in it
    "decision_pk": "facility",
}


def _at(stage, facility):
    """A group of `facility` with a member, an open MCS task and an open review (made once)."""
    cache = stage.__dict__.setdefault("_groups", {})
    if facility.pk not in cache:
        group = GroupFactory(origin_facility=facility)
        cache[facility.pk] = {
            "group": group,
            "membership": MembershipFactory(group=group, status="invited"),
            "task": McsTaskFactory(group=group),
            "review": GroupReviewFactory(group=group),
            "decision": follow_up(group),
        }
    return cache[facility.pk]


def _own(kind):
    return lambda s: _at(s, s.world.facility_a)[kind].pk


def _sibling(kind):
    return lambda s: _at(s, s.world.facility_a2)[kind].pk


OWN = {
    "group_pk": _own("group"),
    "membership_pk": _own("membership"),
    "task_pk": _own("task"),
    "review_pk": _own("review"),
    "campaign_pk": lambda s: _at(s, s.world.facility_a)["review"].campaign_id,
    "decision_pk": _own("decision"),
}

SIBLING = {
    "group_pk": _sibling("group"),
    "membership_pk": _sibling("membership"),
    "task_pk": _sibling("task"),
    "review_pk": _sibling("review"),
    "decision_pk": _sibling("decision"),
}
