"""Uploads are bounded before they are read: a body longer than the view takes is answered
413 (a Japanese page) without reading it, where a 100 MB body used to be written to a
temporary file whole before the form's 5 MB check."""

import pytest
from django.urls import reverse

from consent.scans import MAX_SCAN_BYTES
from core.uploads import FORM_OVERHEAD
from ledger_import.reading import MAX_BYTES
from tests.consent.factories import ConsentRecordFactory
from tests.factories import ProgramFactory, secretariat_of

pytestmark = pytest.mark.django_db

BOUNDARY = "----boundary"


class StreamedUpload:
    """A multipart body of one file of `size` bytes, made as it is read; counts what was read."""

    def __init__(self, size, field="file", name="big.xlsx"):
        self.head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\n"
                     "Content-Type: application/octet-stream\r\n\r\n").encode()
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.length = len(self.head) + size + len(self.tail)
        self.read_bytes = 0

    def read(self, size=-1):
        start = self.read_bytes
        end = self.length if size is None or size < 0 else min(self.length, start + size)
        body_end = self.length - len(self.tail)
        chunk = self.head[start:end]
        filler = min(end, body_end) - max(start, len(self.head))
        chunk += b"x" * max(filler, 0)
        chunk += self.tail[max(start - body_end, 0):max(end - body_end, 0)]
        self.read_bytes = end
        return chunk

    def readline(self, size=-1):
        return self.read(size if size and size > 0 else 64 * 1024)


def post_streamed(client, url, body, *, user=None):
    if user is not None:
        client.force_login(user)
    return client.generic("POST", url, **{
        "wsgi.input": body, "CONTENT_LENGTH": str(body.length),
        "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
    })


def test_a_100_mb_ledger_is_refused_unread_with_a_japanese_page(client):
    program = ProgramFactory()
    body = StreamedUpload(100 * 1024 * 1024)
    response = post_streamed(client, reverse("ledger_import:import", args=[program.slug]), body,
                             user=secretariat_of(program))
    assert response.status_code == 413
    text = response.content.decode()
    assert "ファイルが大きすぎます" in text and "20MBまで" in text and "100MB" in text
    assert body.read_bytes == 0, "not a byte of the body was read"


def test_a_scan_one_byte_over_what_the_page_takes_is_refused_unread(client):
    record = ConsentRecordFactory()
    body = StreamedUpload(MAX_SCAN_BYTES + FORM_OVERHEAD + 1, field="scan", name="scan.pdf")
    response = post_streamed(client, reverse("consent:consent-scan-attach", args=[record.pk]), body,
                             user=secretariat_of(record.patient.program))
    assert response.status_code == 413
    assert "5MBまで" in response.content.decode()
    assert body.read_bytes == 0


def test_a_ledger_within_its_limit_reaches_the_view(client):
    """The ledger page takes 20 MB: a 6 MB body (over the 5 MB default) is not refused here."""
    program = ProgramFactory()
    body = StreamedUpload(6 * 1024 * 1024)
    response = post_streamed(client, reverse("ledger_import:import", args=[program.slug]), body,
                             user=secretariat_of(program))
    assert response.status_code == 200
    assert "ファイルが大きすぎます" not in response.content.decode()
    assert body.read_bytes == body.length, "read by the view's form as before"


def test_pages_without_uploads_take_the_default_limit(client):
    body = StreamedUpload(MAX_BYTES)
    response = post_streamed(client, reverse("accounts:login"), body)
    assert response.status_code == 413 and body.read_bytes == 0
