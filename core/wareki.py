"""Japanese era dates (和暦) for printed forms and the UI. Dates are stored as ISO dates."""

import datetime
import re
import unicodedata

from django.utils import timezone

# (first day of the era, name); newest first.
ERAS = (
    (datetime.date(2019, 5, 1), "令和"),
    (datetime.date(1989, 1, 8), "平成"),
    (datetime.date(1926, 12, 25), "昭和"),
    (datetime.date(1912, 7, 30), "大正"),
    (datetime.date(1868, 1, 25), "明治"),
)


def era_year(date):
    """('令和', '7年') for 2025; the first year of an era is 元年."""
    for start, name in ERAS:
        if date >= start:
            year = date.year - start.year + 1
            return name, "元年" if year == 1 else f"{year}年"
    return "", f"{date.year}年"


def wareki(date, *, with_day=True):
    """令和7年4月1日 (or 令和元年5月1日); '' for None."""
    if date is None or date == "":
        return ""
    if isinstance(date, datetime.datetime):
        # An aware datetime is shown as the date in Japan (TIME_ZONE), not in UTC.
        if date.tzinfo is not None:
            date = timezone.localtime(date)
        date = date.date()
    era, year = era_year(date)
    if not with_day:
        return f"{era}{year}{date.month}月"
    return f"{era}{year}{date.month}月{date.day}日"


# Era initials as ledgers abbreviate them (R7.4.1, H31.4.30).
ERA_INITIALS = {"R": "令和", "H": "平成", "S": "昭和", "T": "大正", "M": "明治"}
DATE_ERROR = "日付が読めません。2025/4/1 や 令和7年4月1日、R7.4.1 のように入力してください。"

_ERA_DATE = re.compile(r"(令和|平成|昭和|大正|明治|[RHSTM])\.?(元|\d{1,2})[年./-](\d{1,2})[月./-](\d{1,2})日?")
_WESTERN_DATE = re.compile(r"(\d{4})[年./-](\d{1,2})[月./-](\d{1,2})日?")
_TIME = re.compile(r"(?<=\d)(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")


def _era_end(name):
    """The last day of an era, None for the current one."""
    starts = [start for start, era in ERAS]
    index = [era for start, era in ERAS].index(name)
    return None if index == 0 else starts[index - 1] - datetime.timedelta(days=1)


def parse_date(value):
    """A date as people type it in ledgers: 令和7年4月1日, 令和元年5月1日, R7.4.1, H31.4.30,
    2025/4/1, 2025-04-01, 2025年4月1日 (全角 too), or a date/datetime (an Excel date cell).

    None for a blank value; ValueError with a Japanese message for anything else.
    """
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    typed = unicodedata.normalize("NFKC", str(value)).strip().upper()
    typed = _TIME.sub("", typed).replace(" ", "")  # "2025/4/1 0:00:00", as a date cell saved to CSV
    if not typed:
        return None
    if match := _ERA_DATE.fullmatch(typed):
        era = ERA_INITIALS.get(match[1], match[1])
        year = 1 if match[2] == "元" else int(match[2])
        start = dict((name, start) for start, name in ERAS)[era]
        date = _date(start.year + year - 1, match[3], match[4])
        end = _era_end(era)
        if date < start or (end and date > end):
            raise ValueError(f"{era}{match[2]}年{match[3]}月{match[4]}日という日はありません（{era}の期間外です）。")
        return date
    if match := _WESTERN_DATE.fullmatch(typed):
        return _date(match[1], match[2], match[3])
    raise ValueError(DATE_ERROR)


def _date(year, month, day):
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        raise ValueError(f"{year}年{int(month)}月{int(day)}日という日はありません。") from None
