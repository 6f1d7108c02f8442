"""templates/_field.html is the one way a form field is drawn (issues 17 and 18).

- help text is escaped (one of the copies rendered `help_text|safe`);
- every id that Django's aria-describedby names exists, for help and for errors, so both are
  read out with the field; aria-invalid marks a field in error;
- after a failed submit the error summary links to each field;
- the password rules are a list of their own, not a <ul> inside <small>.
"""

import re
from pathlib import Path

import pytest
from django import forms
from django.template.loader import render_to_string
from django.urls import reverse

from tests.factories import UserFactory

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


class SampleForm(forms.Form):
    name = forms.CharField(label="氏名", help_text='<b>太字</b> & "引用"')
    kind = forms.ChoiceField(label="種類", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect,
                             help_text="どちらか")
    agreed = forms.BooleanField(label="同意します", help_text="必ず確認")


def ids(html):
    return set(re.findall(r'\sid="([^"]+)"', html))


def dangling_references(html):
    present = ids(html)
    return [ref for value in re.findall(r'aria-describedby="([^"]+)"', html) for ref in value.split()
            if ref not in present]


def test_help_text_is_escaped():
    html = render_to_string("_form_fields.html", {"form": SampleForm()})
    assert "&lt;b&gt;太字&lt;/b&gt; &amp; &quot;引用&quot;" in html
    assert "<b>太字</b>" not in html


def test_help_and_errors_are_tied_to_their_fields():
    html = render_to_string("_form_fields.html", {"form": SampleForm(data={})})
    assert dangling_references(html) == []
    assert 'aria-describedby="id_name_helptext id_name_error"' in html
    assert re.search(r'<input type="text" name="name"[^>]*aria-invalid="true"', html)
    assert re.search(r'<div class="error" id="id_name_error"><p>このフィールドは必須です。</p></div>', html)
    # Radio buttons sit in a fieldset, which carries the description for the group.
    assert re.search(r'<fieldset class="field has-error" aria-describedby="id_kind_helptext id_kind_error">', html)


def test_the_error_summary_links_to_each_field():
    html = render_to_string("_form_fields.html", {"form": SampleForm(data={"name": ""})})
    summary = html[html.index('id="error-summary"'):html.index("</div>")]
    assert 'role="alert"' in html and 'tabindex="-1"' in html
    for target, label in (("id_name", "氏名"), ("id_kind_0", "種類"), ("id_agreed", "同意します")):
        assert f'<a href="#{target}">{label}</a>' in summary
        assert target in ids(html)


def test_a_valid_form_has_no_summary_and_no_invalid_marks():
    html = render_to_string("_form_fields.html", {"form": SampleForm(data={"name": "a", "kind": "a", "agreed": "on"})})
    assert "error-summary" not in html and "aria-invalid" not in html


def test_one_field_partial_draws_help_and_errors():
    """No template but _field.html reads a field's help text or writes its error list."""
    others = []
    for path in TEMPLATES.rglob("*.html"):
        if path.name == "_field.html" or "pdf" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if "help_text" in text or re.search(r"for e in (field|[a-z_.]+)\.errors %}<p class=\"error\">", text):
            others.append(str(path.relative_to(TEMPLATES)))
    assert others == []
    assert not (TEMPLATES / "enrollment" / "_field.html").exists()
    assert not (TEMPLATES / "consent" / "_partials" / "field.html").exists()


@pytest.mark.django_db
def test_the_password_rules_are_read_out_with_the_new_password_and_are_valid_html(client):
    client.force_login(UserFactory())
    html = client.post(reverse("accounts:password-change"), {}).content.decode()
    assert not re.search(r"<small[^>]*>(?:(?!</small>).)*<ul", html, re.S), "a list inside <small> is invalid HTML"
    assert dangling_references(html) == []
    assert 'aria-describedby="id_new_password1_helptext id_new_password1_error"' in html
    rules = re.search(r'<div class="help" id="id_new_password1_helptext">\s*<ul[^>]*>(.*?)</ul>', html, re.S)
    assert rules and rules.group(1).count("<li>") >= 3 and "13" in rules.group(1)
