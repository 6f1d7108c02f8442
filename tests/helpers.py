"""Small helpers every app's tests share."""

import csv
import io


def csv_rows(response):
    """The rows of a CSV response (streamed or not), checking it is UTF-8 with a BOM for Excel."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    assert raw.startswith("\ufeff".encode()), "CSV for Excel starts with a BOM"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def variants(where):
    """The built-in variants whose policy satisfies `where(profile)`, and those that do not: to
    parametrise a test by variant subsets instead of branching on the policy inside it."""
    from policy.rules import VARIANTS, profile

    chosen = tuple(v for v in VARIANTS if where(profile(v)))
    assert chosen, "no variant has this policy: the test would test nothing"
    return chosen, tuple(v for v in VARIANTS if v not in chosen)
