"""Normalising what people type: 全角/半角, kana, phone numbers and postal codes."""

import re
import unicodedata

import jaconv


def nfkc(value):
    """Full-width ASCII to half-width, half-width kana to full-width, stray spaces collapsed."""
    value = unicodedata.normalize("NFKC", value or "")
    return re.sub(r"\s+", " ", value.replace("\u3000", " ")).strip()


def katakana(value):
    """Readings are kept in full-width katakana, whatever the person typed (ひらがな, ｶﾀｶﾅ)."""
    return jaconv.hira2kata(nfkc(value))


def is_katakana(value):
    return bool(re.fullmatch(r"[\u30A0-\u30FF\u30FC ・]+", value))


def digits_and_hyphens(value):
    value = nfkc(value).replace("ー", "-").replace("‐", "-").replace("−", "-")
    return re.sub(r"[^0-9-]", "", value)


def postal_code(value):
    """'1234567', '１２３－４５６７' -> '123-4567'; '' when it is not seven digits."""
    digits = re.sub(r"[^0-9]", "", nfkc(value))
    return f"{digits[:3]}-{digits[3:]}" if len(digits) == 7 else ""


def paragraphs(value):
    """Wording typed as paragraphs (a blank line between): each paragraph's lines kept as typed
    (①②③ and full-width brackets are the wording, so no NFKC), trailing spaces and empty ones dropped."""
    blocks = re.split(r"\n[ \t\u3000]*\n", (value or "").replace("\r\n", "\n").replace("\r", "\n"))
    cleaned = ("\n".join(line.rstrip() for line in block.strip("\n").splitlines() if line.strip()) for block in blocks)
    return [block.strip() for block in cleaned if block.strip()]
