"""Japanese era dates (和暦) for printed forms and the UI. Dates are stored as ISO dates."""

import datetime

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
