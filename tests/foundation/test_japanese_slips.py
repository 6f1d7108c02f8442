"""Japanese slips in what users read (「印刷するして」 was one): none of the known kinds anywhere in the
templates, the e-mails and the Python modules that hold UI text."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SLIPS = re.compile(r"するして|しますして|ますます|ですです|。。|、、|をを|がが|にに(?!ち)|ください。ください")
PLACES = ("templates", "accounts", "consent", "core", "enrollment", "facilities", "groups", "oversight",
          "ledger_import", "policy", "config")


def test_no_known_slip_in_what_users_read():
    found = []
    for place in PLACES:
        for path in (ROOT / place).rglob("*"):
            if path.suffix not in (".html", ".txt", ".py") or "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if SLIPS.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


TEMPLATE_TAG = re.compile(r"\{%.*?%\}|\{#.*?#\}", re.S)
HTML_TAG = re.compile(r"<[^<>]*>")


def text_content(source):
    """What a reader sees of a template: tags gone, so 「<a>印刷する</a>して」 reads 「印刷するして」.

    A {{ variable }} stands for some text (○), so that 「を{{ x }}を」 is no slip."""
    without_logic = TEMPLATE_TAG.sub("", source)
    return HTML_TAG.sub("", re.sub(r"\{\{.*?\}\}", "○", without_logic, flags=re.S))


def test_no_known_slip_split_across_tags():
    found = []
    for path in (ROOT / "templates").rglob("*"):
        if path.suffix not in (".html", ".txt"):
            continue
        for line in text_content(path.read_text(encoding="utf-8")).splitlines():
            if SLIPS.search(line):
                found.append(f"{path.relative_to(ROOT)}: {line.strip()}")
    assert found == []


def test_the_check_sees_the_slip_it_was_written_for():
    assert SLIPS.search("申込書を印刷するしてください") and not SLIPS.search("印刷してください")


def test_the_tag_stripped_check_sees_a_slip_split_by_a_link():
    source = '<p><a href="{% url \'x\' 1 %}">氏名入りで印刷する</a>して本人に{{ who }}署名</p>'
    assert SLIPS.search(text_content(source))
    assert not SLIPS.search(text_content('<a href="#">印刷</a>して'))
