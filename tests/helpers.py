"""Small helpers every app's tests share."""

import csv
import io


def csv_rows(response):
    """The rows of a CSV response (streamed or not), checking it is UTF-8 with a BOM for Excel."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    assert raw.startswith("\ufeff".encode()), "CSV for Excel starts with a BOM"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
