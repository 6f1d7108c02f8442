"""The legal clock of a personal-data breach (個人情報の漏えい等) under Japan's APPI.

When 要配慮個人情報 (medical data is) leaks or may have leaked, even for one person, the
business handling it (the facility, not the portal or the network) must report to the
個人情報保護委員会 (PPC) promptly (速報) and in full (確報), and notify the person
(個人情報保護法第26条, 施行規則第7条・第8条・第10条). The portal only keeps the dates.

The numbers the portal uses, from the day the facility learned of it (発覚日):
- 速報: the rules say 「速やかに」, the PPC's guidelines 「概ね3～5日以内」. The portal aims at
  day 3 (PROMPT_TARGET_DAYS, reminders from then) and treats day 5 as the limit (overdue after).
- 確報: 30 days; 60 when it may have been done for an improper purpose (不正の目的).
- 本人への通知: the law says 「当該事態の状況に応じて速やかに」, with no number of days; the
  portal reminds at the 速報 limit, day 5, so that the person is not forgotten.
Pure Python: no Django.
"""

import datetime
from dataclasses import dataclass

PROMPT_TARGET_DAYS = 3
PROMPT_LIMIT_DAYS = 5
FINAL_DAYS = 30
FINAL_DAYS_MALICIOUS = 60
PERSON_DAYS = PROMPT_LIMIT_DAYS
LARGE_BREACH = 1000  # 施行規則第7条4号: more than 1,000 people
# How many days before its limit a step starts to be reminded of.
REMIND_BEFORE = {"prompt": PROMPT_LIMIT_DAYS - PROMPT_TARGET_DAYS, "final": 7, "person": 2}
STEPS = ("prompt", "final", "person")
STEP_LABELS = {
    "prompt": "個人情報保護委員会への速報",
    "final": "個人情報保護委員会への確報",
    "person": "本人への通知",
}


def report_required(*, sensitive_data, malicious, affected_count):
    """施行規則第7条: 要配慮個人情報 (1号), improper purpose (3号), over 1,000 people (4号).
    (2号, data whose misuse causes financial damage, does not arise in a care network.)"""
    return bool(sensitive_data or malicious or affected_count > LARGE_BREACH)


def due_dates(discovered_on, *, malicious):
    """{step: limit date} counted from the day of discovery."""
    final = FINAL_DAYS_MALICIOUS if malicious else FINAL_DAYS
    return {
        "prompt": discovered_on + datetime.timedelta(days=PROMPT_LIMIT_DAYS),
        "final": discovered_on + datetime.timedelta(days=final),
        "person": discovered_on + datetime.timedelta(days=PERSON_DAYS),
    }


def prompt_target(discovered_on):
    return discovered_on + datetime.timedelta(days=PROMPT_TARGET_DAYS)


@dataclass(frozen=True)
class StepState:
    step: str
    label: str
    due_on: datetime.date
    done_on: datetime.date | None
    state: str  # "done", "overdue", "soon", "waiting"

    @property
    def days_left(self):
        return None if self.done_on else (self.due_on - self._today).days

    _today: datetime.date = None


def step_state(step, due_on, done_on, today):
    if done_on is not None:
        state = "done"
    elif today > due_on:
        state = "overdue"
    elif today >= due_on - datetime.timedelta(days=REMIND_BEFORE[step]):
        state = "soon"
    else:
        state = "waiting"
    return StepState(step, STEP_LABELS[step], due_on, done_on, state, today)
