"""Who may see which households: the one rule every household and ledger page asks.

- a resident: only their own household (its id comes from the session, never from the URL);
- admin, clerk, supervisor: every household of the village;
- a group leader (村民小组长) with no wider role: only the households of their assigned groups;
- anyone else (anonymous, a staff member without these roles): none.

Pure-ish: the functions read only the person's attributes (is_resident, household_id, roles,
group_ids) and build SQL conditions; they do not read the request or the session themselves.
Pages answer 404, not 403, for a household outside what one may see, so ids do not leak.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from sqlalchemy import false, true
from sqlalchemy.sql.elements import ColumnElement

from .models import Household, Role

R = TypeVar("R")

WHOLE_VILLAGE = frozenset({Role.ADMIN, Role.CLERK, Role.SUPERVISOR})


def _scope(person) -> tuple[str, frozenset[int]]:
    """("all", ∅), ("groups", group ids), ("household", {id}) or ("none", ∅)."""
    if person is None or not getattr(person, "is_authenticated", False):
        return "none", frozenset()
    if getattr(person, "is_resident", False):
        return "household", frozenset({person.household_id})
    roles = person.roles
    if roles & WHOLE_VILLAGE:
        return "all", frozenset()
    if Role.GROUP_LEADER in roles:
        return "groups", frozenset(person.group_ids)
    return "none", frozenset()


def visible_households_filter(person) -> ColumnElement[bool]:
    """A WHERE condition on Household limiting a query to what this person may see."""
    scope, ids = _scope(person)
    if scope == "all":
        return true()
    if scope == "groups" and ids:
        return Household.group_id.in_(sorted(ids))
    if scope == "household":
        return Household.id == next(iter(ids))
    return false()


def can_see_household(person, household: Household) -> bool:
    """Whether this person may open this household's pages (and, later, its ledger)."""
    return can_see(person, household.id, household.group_id)


def can_see(person, household_id: int, group_id: int | None) -> bool:
    """can_see_household for a row that names its household and group (a standing, an
    objection's household) without loading the Household."""
    scope, ids = _scope(person)
    if scope == "all":
        return True
    if scope == "groups":
        return group_id is not None and group_id in ids
    if scope == "household":
        return household_id in ids
    return False


def visible_rows(person, rows: Iterable[R]) -> list[R]:
    """The rows (anything with household_id and group_id, such as standings) this person may
    see, in their order. The rows keep their values: a group leader's view of the standings
    shows the village's ranks, only fewer rows."""
    return [row for row in rows if can_see(person, row.household_id, row.group_id)]


def visible_group_ids(person, all_group_ids: list[int]) -> list[int]:
    """The groups whose filter a person may pick on a list page (all, or only their own)."""
    scope, ids = _scope(person)
    if scope == "all":
        return list(all_group_ids)
    if scope == "groups":
        return [g for g in all_group_ids if g in ids]
    return []
