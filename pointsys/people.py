"""Who did something, in the words people use: a stored actor label as a name.

The ledger, the audit trail, publications and objections store who acted as a label that never
changes (a staff username, `resident:<village>:<户号>` for a household's sign-in, `cli`, `demo`,
`system`): the trail must keep saying who it was even after a rename. Pages never show those
labels (issue 17): a staff account shows its display name (User.display_name, set by
`flask users create --name` and the demo), a household "村民（户号 001）", the machines what they
are. A label that is none of these (a name a clerk typed for an objection) is a name already.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import g, has_app_context
from flask_babel import gettext

from .extensions import db
from .models import User
from .rulebook.messages import N_

RESIDENT_PREFIX = "resident:"
# Labels written by the system itself (see accounts_cli.ACTOR, demo.ACTOR, audit's default).
MACHINES = {"cli": N_("命令行"), "demo": N_("演示数据"), "system": N_("系统")}


def resident_name(number: str) -> str:
    return gettext("村民（户号 %(number)s）", number=number)


def names_for(labels: Iterable[str | None]) -> dict[str, str]:
    """Each label's name, staff accounts read in one query."""
    labels = {label for label in labels if label}
    staff = [
        label for label in labels if not label.startswith(RESIDENT_PREFIX) and label not in MACHINES
    ]
    names: dict[str, str] = {}
    for start in range(0, len(staff), 500):  # bounded IN lists
        rows = db.session.execute(
            db.select(User.username, User.display_name).where(
                User.username.in_(staff[start : start + 500])
            )
        )
        names.update((username, name) for username, name in rows if name)
    for label in labels:
        if label.startswith(RESIDENT_PREFIX):
            names[label] = resident_name(label.rsplit(":", 1)[-1])
        elif label in MACHINES:
            names[label] = gettext(MACHINES[label])
        else:
            names.setdefault(label, label)
    return names


def name_of(label: str | None) -> str:
    """One label's name; within a request each label is looked up once (the `who` filter)."""
    if not label:
        return ""
    cache: dict[str, str] = g.setdefault("_people_names", {}) if has_app_context() else {}
    if label not in cache:
        cache.update(names_for([label]))
    return cache[label]
