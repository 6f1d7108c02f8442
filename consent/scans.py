"""Scans of signed paper forms: what we accept is decided by the file's first bytes, not its name."""

import hashlib

MAX_SCAN_BYTES = 5 * 1024 * 1024

# (magic prefix, content type, extension)
SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


def sniff(upload):
    """(content type, extension) of an uploaded file, or None when it is none of PDF, JPEG, PNG."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for magic, content_type, extension in SIGNATURES:
        if head.startswith(magic):
            return content_type, extension
    return None


def scan_error(upload):
    """A Japanese message saying what is wrong with the file, or '' when it is acceptable."""
    if upload.size > MAX_SCAN_BYTES:
        return f"ファイルが大きすぎます（{upload.size / 1024 / 1024:.1f}MB）。5MB以下にしてください。"
    if upload.size == 0:
        return "ファイルが空です。"
    if sniff(upload) is None:
        return "PDF、JPEG、PNGのファイルを選んでください（中身を確認しています）。"
    return ""


def sha256(upload):
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()
