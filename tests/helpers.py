"""Small helpers every app's tests share."""

import csv
import io


def csv_rows(response):
    """The rows of a CSV response (streamed or not), checking it is UTF-8 with a BOM for Excel."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    assert raw.startswith("\ufeff".encode()), "CSV for Excel starts with a BOM"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def variants(where=None, /, **wanted):
    """The variants whose profile matches, to parametrise a test instead of branching inside it:
    `where(profile)` is true (when given) and each attribute in `wanted` is true or false as asked,
    e.g. variants(staff_pledge_required=True, training_required_before_use=False)."""
    from policy.rules import VARIANTS, profile

    def matches(p):
        return (where is None or where(p)) and all(bool(getattr(p, name)) == want for name, want in wanted.items())

    return [v for v in VARIANTS if matches(profile(v))]


def variants_split(where):
    """(variants where `where(profile)` holds, variants where it does not), for a pair of tests."""
    chosen = variants(where)
    assert chosen, "no variant has this policy: the test would test nothing"
    return chosen, variants(lambda p: not where(p))
