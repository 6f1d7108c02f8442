"""A patient's name stays out of the places browsers, proxies and logs keep: the page title (tabs,
history, bookmarks, window lists on a shared screen) and URLs (links, form targets, redirects);
and every page that shows a patient's name has logged the view.

Walks every page of the access table as the insider (every role of program A), with the scene's
patients (and their groups) made: looks for any patient's name or reading in the <title> and in
every href/action/src/Location, and for an access-log row for every patient whose name the page
shows.
"""

import re
from urllib.parse import unquote

import pytest

from consent.models import AccessLog, Patient
from tests.foundation.test_url_walk import URL_NAMES
from tests.walk import GET, Scene, build, rows, tables

pytestmark = pytest.mark.django_db
ACCESS, _, _ = tables()
PAGES = sorted({name for name, row in rows(ACCESS) if row.method == GET and not row.public} & set(URL_NAMES))
TITLE = re.compile(r"<title>(.*?)</title>", re.S)
LINKS = re.compile(r'(?:href|action|src)="([^"]*)"')


def _names():
    names = set()
    for full_name, kana in Patient.objects.values_list("full_name", "full_name_kana"):
        for name in (full_name, kana):
            names |= {name, name.replace(" ", ""), name.replace("　", "")} - {""}
            names |= {part for part in re.split(r"[ 　]", name) if len(part) >= 2}
    return names


def leaks(body, location=""):
    """[(where, name)] for every patient name in the title or a URL of this answer."""
    names = _names()
    found = []
    title = TITLE.search(body)
    places = [("title", title.group(1) if title else "")]
    places += [("url", unquote(url)) for url in LINKS.findall(body)]
    if location:
        places.append(("location", unquote(location)))
    for where, text in places:
        found += [(where, name, text) for name in names if name in text]
    return found


def test_the_check_finds_a_name(db):
    from tests.consent.factories import PatientFactory

    patient = PatientFactory(full_name="見本 太郎", full_name_kana="ミホン タロウ")
    body = f"<title>患者 {patient.full_name}</title><a href='x'>ok</a><a href=\"/p/?q=%E8%A6%8B%E6%9C%AC\">"
    assert {(w, n) for w, n, _ in leaks(body)} >= {("title", "見本 太郎"), ("url", "見本")}


@pytest.mark.parametrize("name", PAGES)
def test_no_patient_name_in_the_title_or_a_url(name, client):
    scene = Scene()
    url = build(name, scene)
    client.force_login(scene.world.insider_a)
    logged_before = AccessLog.objects.count()
    answer = client.get(url)
    assert answer.status_code < 500
    body = answer.content.decode() if answer.get("Content-Type", "").startswith("text/html") else ""
    assert leaks(body, answer.get("Location", "")) == [], name
    shown = {pk for pk, full_name in Patient.objects.values_list("pk", "full_name") if full_name and full_name in body}
    logged = set(AccessLog.objects.order_by("pk")[logged_before:].values_list("patient_id", flat=True))
    assert shown <= logged, f"{name} shows patients {sorted(shown - logged)} without logging the view"
