"""The calendar periods caps and frequencies count in (shared with the ledger)."""

from ..periods import period_start, same_period

__all__ = ["period_start", "same_period"]
