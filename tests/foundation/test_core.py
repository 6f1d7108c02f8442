import datetime

import pytest
from django.db import connection
from django.urls import reverse

from core import text, wareki

pytestmark = pytest.mark.django_db


def test_healthz_is_public_and_reports_the_database(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_does_not(client, monkeypatch):
    from django.db import OperationalError

    def broken(*args, **kwargs):
        raise OperationalError("database is down")

    monkeypatch.setattr(connection, "cursor", broken)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["status"] == "error"


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        (datetime.date(2025, 4, 1), "令和7年4月1日"),
        (datetime.date(2019, 5, 1), "令和元年5月1日"),
        (datetime.date(2019, 4, 30), "平成31年4月30日"),
        (datetime.date(1989, 1, 8), "平成元年1月8日"),
        (datetime.date(1989, 1, 7), "昭和64年1月7日"),
        (datetime.date(1940, 2, 11), "昭和15年2月11日"),
        (None, ""),
    ],
)
def test_wareki(date, expected):
    assert wareki.wareki(date) == expected


def test_wareki_shows_an_aware_datetime_as_the_date_in_japan():
    utc_evening = datetime.datetime(2025, 3, 31, 16, 30, tzinfo=datetime.UTC)  # 01:30 on April 1 in Tokyo
    assert wareki.wareki(utc_evening) == "令和7年4月1日"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("令和7年4月1日", datetime.date(2025, 4, 1)),
        ("R7.4.1", datetime.date(2025, 4, 1)),
        ("r7/4/1", datetime.date(2025, 4, 1)),
        ("H31.4.30", datetime.date(2019, 4, 30)),
        ("平成31年4月30日", datetime.date(2019, 4, 30)),
        ("令和元年5月1日", datetime.date(2019, 5, 1)),
        ("Ｒ７．４．１", datetime.date(2025, 4, 1)),
        ("昭和64年1月7日", datetime.date(1989, 1, 7)),
        ("2025/4/1", datetime.date(2025, 4, 1)),
        ("2025-04-01", datetime.date(2025, 4, 1)),
        ("２０２５／４／１", datetime.date(2025, 4, 1)),
        ("2025年4月1日", datetime.date(2025, 4, 1)),
        ("2025/4/1 0:00:00", datetime.date(2025, 4, 1)),
        (datetime.datetime(2025, 4, 1, 0, 0), datetime.date(2025, 4, 1)),  # an Excel date cell
        (datetime.date(2025, 4, 1), datetime.date(2025, 4, 1)),
        ("", None),
        (None, None),
    ],
)
def test_parse_date_reads_what_people_type(typed, expected):
    assert wareki.parse_date(typed) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("平成31年5月1日", "平成の期間外"),  # Heisei ended on April 30, 2019
        ("令和1年4月30日", "令和の期間外"),
        ("2025/2/30", "2025年2月30日という日はありません"),
        ("来週", "日付が読めません"),
        ("4/1", "日付が読めません"),
    ],
)
def test_parse_date_says_what_is_wrong(typed, message):
    with pytest.raises(ValueError, match=message):
        wareki.parse_date(typed)


def test_parse_date_reads_back_what_wareki_prints():
    for date in (datetime.date(2019, 5, 1), datetime.date(2025, 12, 31), datetime.date(1990, 1, 8)):
        assert wareki.parse_date(wareki.wareki(date)) == date


def test_text_normalisation():
    assert text.nfkc("ＡＢＣ　１２３") == "ABC 123"
    assert text.katakana("やまだ ﾀﾛｳ") == "ヤマダ タロウ"
    assert text.postal_code("１２３ー４５６７") == "123-4567"
    assert text.postal_code("12-34") == ""
    assert text.digits_and_hyphens("０７２－１２３－４５６７") == "072-123-4567"
