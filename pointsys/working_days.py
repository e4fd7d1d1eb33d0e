"""Counting days for publicity periods and objection deadlines: calendar days, or working days
(Saturdays, Sundays and holidays skipped; weekend days made working days by 调休 counted).

Pure Python, no Flask: publishing.issues.Deadlines counts with it, from the rulebook's
[publicity] table or the deployment's configuration.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class DayCount:
    """How days are counted: every day, or only working days."""

    working_days: bool = False
    holidays: Collection[date] = frozenset()  # days off besides weekends (法定节假日)
    workdays: Collection[date] = frozenset()  # weekend days that are working days (调休)

    def counts(self, day: date) -> bool:
        """Whether `day` is counted."""
        if not self.working_days:
            return True
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def span_end(self, start: date, days: int) -> date:
        """The last day of a span of `days` counted days beginning on `start` (counted itself
        when it counts): 7 calendar days from 09-25 end on 10-01."""
        if days < 1:
            raise ValueError("a span has at least one day")
        day, counted = start, 0
        while True:
            if self.counts(day):
                counted += 1
                if counted == days:
                    return day
            day += ONE_DAY

    def after(self, day: date, days: int) -> date:
        """The day `days` counted days after `day` (`day` itself not counted): an objection
        raised on 09-25 with 7 calendar days is due on 10-02."""
        if days < 1:
            raise ValueError("at least one day")
        return self.span_end(day + ONE_DAY, days)
