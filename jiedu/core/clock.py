"""The one source of 'now' and 'today' for rules and deadlines.

Tests move time with time-machine; deadlines are always computed from these, in the platform's
time zone (Asia/Shanghai), never from `date.today()` which follows the server's zone.
"""

from datetime import date, datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()


def today() -> date:
    return timezone.localdate()
