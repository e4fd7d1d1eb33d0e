"""Signing in, staff and residents alike: one path, so both are throttled, audited and timed the
same way.

`verify` always runs a hash check — against a dummy hash when there is no account — so an unknown
user name or 户号 answers as slowly as a wrong password or PIN and does not reveal which exist.
`attempt` refuses unseen while the account or the address is locked, and records each failure in
the audit trail, whose rows are what the throttle counts, counting and recording under one lock.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Generic, TypeVar

from werkzeug.security import check_password_hash, generate_password_hash

from . import audit, database, throttle

P = TypeVar("P")


@cache
def _dummy_hash() -> str:
    # Made like every stored hash (same method and cost); its secret is known to no one.
    return generate_password_hash(secrets.token_hex(16))


def verify(stored_hash: str | None, secret: str) -> bool:
    """Whether `secret` matches `stored_hash`; with no hash (no such account) the same work is
    done against a dummy hash and the answer is False."""
    if stored_hash is None:
        check_password_hash(_dummy_hash(), secret)
        return False
    return check_password_hash(stored_hash, secret)


@dataclass(frozen=True)
class Attempt(Generic[P]):
    """The outcome of one sign-in: who signed in, or the lock that refused it, or neither (a
    wrong name or secret)."""

    signed_in: P | None = None
    lock: throttle.Lock | None = None


def attempt(
    account: str,
    object_type: str,
    check: Callable[[], P | None],
    *,
    address: str | None,
    now: datetime,
    policy: throttle.Policy,
) -> Attempt[P]:
    """One sign-in of `account` (a username or a household's label) from `address`: refused
    without calling `check` while locked, else `check()` (who signs in, or None). Locks and
    failures are audited here; a success is the caller's to record. The caller commits, which
    releases the throttle's lock.

    The secret is checked holding no lock (a hash takes a tenth of a second; on SQLite, holding
    the write lock that long made every clerk wait), and the failures are then counted again and
    the outcome recorded under the throttle's lock, in one transaction: of concurrent guesses,
    those beyond the limit are answered "locked", whatever their secret, so no more than the
    limit are ever told apart.
    """
    # Refused without looking at the secret, so a locked account cannot be guessed at.
    lock = throttle.current_lock(account, address, now, policy)
    who = check() if lock is None else None
    with database.writing():
        throttle.serialise(account, address)
        lock = lock or throttle.current_lock(account, address, now, policy)
        if lock is not None:
            audit.record("login_locked", object_type, None, actor_label=account, address=address)
            return Attempt(lock=lock)
        if who is None:
            audit.record(throttle.FAILED, object_type, None, actor_label=account, address=address)
        return Attempt(signed_in=who)
