"""Residents' sign-in: a household's 户号 + a 6-digit PIN, issued by the village on a printed slip.

Only the PIN's hash is stored (Werkzeug, as for staff passwords). Issuing, resetting and changing a
PIN are audited; the PIN itself never goes into the trail. The signed-in resident is a `Resident`,
which Flask-Login keeps in the session as "h:<household id>:<pin version>".
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass
from typing import ClassVar

from . import audit, signin
from .extensions import db
from .households import Actor
from .models import Household, ResidentAccess, Village, utcnow
from .rulebook.messages import N_
from .translated import TranslatedError

PIN_LENGTH = 6


class ResidentError(TranslatedError):
    """A refusal a resident or an administrator can act on."""


def account_label(village_code: str, number: str) -> str:
    """The household's name in the audit trail and for sign-in throttling (never a staff name:
    staff usernames cannot contain a colon)."""
    return f"resident:{village_code}:{number}"[:100]


@dataclass(frozen=True)
class Resident:
    """The signed-in household, as Flask-Login's current_user. Holds no staff role, ever."""

    household_id: int
    number: str
    head_name: str
    village_code: str
    pin_version: int

    is_resident: ClassVar[bool] = True
    is_authenticated: ClassVar[bool] = True
    is_active: ClassVar[bool] = True
    is_anonymous: ClassVar[bool] = False
    roles: ClassVar[frozenset] = frozenset()  # so every staff page answers 403
    group_ids: ClassVar[frozenset[int]] = frozenset()

    def get_id(self) -> str:
        return f"h:{self.household_id}:{self.pin_version}"

    def has_role(self, *roles) -> bool:
        return False

    @property
    def display_name(self) -> str:
        return f"{self.number} {self.head_name}"

    @property
    def label(self) -> str:
        return account_label(self.village_code, self.number)


def as_resident(household: Household, access: ResidentAccess) -> Resident:
    return Resident(
        household_id=household.id,
        number=household.number,
        head_name=household.head_name,
        village_code=household.village.code,
        pin_version=access.pin_version,
    )


def load_resident(household_id: int, pin_version: int) -> Resident | None:
    """The session's resident, or None when the PIN was reset or changed, or the household
    signed out, since this session signed in."""
    access = db.session.get(ResidentAccess, household_id)
    if access is None or access.pin_version != pin_version:
        return None
    return as_resident(access.household, access)


def end_sessions(household_id: int) -> None:
    """Sign the household out on every phone: the sign-in version moves on, so every session and
    copied cookie made under it stops working (the PIN stays). The caller commits."""
    access = db.session.get(ResidentAccess, household_id)
    if access is not None:
        access.pin_version += 1


def access_of(household: Household) -> ResidentAccess | None:
    return db.session.get(ResidentAccess, household.id)


def is_trivial(pin: str) -> bool:
    """111111, 123456, 654321, 012345 …: the first PINs anyone would try."""
    steps = {int(b) - int(a) for a, b in itertools.pairwise(pin)}
    return steps in ({0}, {1}, {-1})


def new_pin() -> str:
    """A random 6-digit PIN that is not trivial."""
    while True:
        pin = f"{secrets.randbelow(10**PIN_LENGTH):0{PIN_LENGTH}d}"
        if not is_trivial(pin):
            return pin


def check_new_pin(pin: str, again: str) -> None:
    """Refuse a PIN a resident chose that is malformed, mistyped or trivial."""
    if len(pin) != PIN_LENGTH or not pin.isascii() or not pin.isdigit():
        raise ResidentError(N_("PIN 必须是 6 位数字。"))
    if pin != again:
        raise ResidentError(N_("两次输入的新 PIN 不一致，请重新输入。"))
    if len(set(pin)) == 1:
        raise ResidentError(N_("PIN 不能是同一个数字重复（如 111111），请换一个。"))
    if is_trivial(pin):
        raise ResidentError(N_("PIN 不能是连续的数字（如 123456、654321），请换一个。"))


def issue_pin(household: Household, *, actor: Actor) -> str:
    """Give the household a new random PIN (first issue or reset) and return it, to be shown once.

    Every phone signed in with the old PIN is signed out. The caller commits.
    """
    if not household.is_active:
        raise ResidentError(N_("户号 %(number)s 已不在册，不能发放 PIN。"), number=household.number)
    pin = new_pin()
    access = access_of(household)
    action = "reset_pin" if access is not None else "issue_pin"
    if access is None:
        access = ResidentAccess(household_id=household.id, pin_version=0)
        db.session.add(access)
    access.set_pin(pin)
    access.pin_version += 1
    access.issued_at = utcnow()
    access.changed_at = None
    db.session.flush()
    audit.record(action, "household", household.id, actor=actor, after={"number": household.number})
    return pin


def find_household(village: Village, number: str) -> Household | None:
    return db.session.execute(
        db.select(Household).filter_by(village_id=village.id, number=number.strip())
    ).scalar_one_or_none()


def authenticate(village: Village, number: str, pin: str) -> Resident | None:
    """The resident for this 户号 and PIN, or None (unknown 户号, no PIN issued, or wrong PIN)."""
    household = find_household(village, number) if number.strip() else None
    access = access_of(household) if household is not None else None
    # An unknown 户号 or no PIN issued costs as long as a wrong PIN (signin.verify).
    if not signin.verify(access.pin_hash if access is not None else None, pin):
        return None
    return as_resident(household, access)


def change_pin(resident: Resident, old: str, new: str, again: str) -> Resident:
    """Replace the resident's PIN; returns the resident under the new PIN version.

    Other phones signed in with the old PIN are signed out. The caller commits.
    """
    access = db.session.get(ResidentAccess, resident.household_id)
    if access is None or not access.check_pin(old):
        audit.record("change_pin_failed", "household", resident.household_id, actor=resident.label)
        raise ResidentError(N_("原 PIN 不正确。"))
    check_new_pin(new, again)
    if new == old:
        raise ResidentError(N_("新 PIN 不能与原 PIN 相同。"))
    access.set_pin(new)
    access.pin_version += 1
    access.changed_at = utcnow()
    db.session.flush()
    audit.record("change_pin", "household", resident.household_id, actor=resident.label)
    return as_resident(access.household, access)
