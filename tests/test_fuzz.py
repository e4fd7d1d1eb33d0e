"""Hostile input never makes a page fail (500), on either database.

Every route of the route table (tests/test_route_access.py) is visited by every role it lets in,
with Hypothesis choosing values for every field of every form that posts to it and every query
parameter it reads: huge and negative numbers, NaN and 1e309, NUL and other control characters,
long and odd unicode text, dates at the calendar's edges. A request refused with 400 writes
nothing. The URLs' own segments (ids, tokens, codes) get the same treatment.

The forms are found on the pages themselves (every form of every page the table can open, by its
action), so a new form field is fuzzed without a change here; query parameters are the ones the
views read (`request.args.get("…")`) and the ones the pages' GET forms send.

POINTSYS_FUZZ_EXAMPLES (default 5) sets the examples per route and role: raise it for a deeper run.
"""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from pointsys.extensions import db
from pointsys.models import AuditEvent

from . import access_world, test_route_access
from .test_route_access import LOGIN, ME_LOGIN, ROLES, ROUTES, _client_as

# The route table's app (CSRF off, demo rulebook loaded), as a fixture of this module too.
table_app = test_route_access.table_app

EXAMPLES = int(os.environ.get("POINTSYS_FUZZ_EXAMPLES", "5"))
VIEWS = Path(__file__).resolve().parent.parent / "pointsys" / "views"
# Answers that mean "not for you": the role never reaches the form.
REFUSED = {403, 404, LOGIN, ME_LOGIN}

# Hostile values by kind. Each route is first sent every kind once, every field at once (a field
# takes the kind's values in turn), then Hypothesis mixes them with plausible values.
KINDS = {
    "huge numbers": ["99999999999999999999", "2147483648", "-9223372036854775809", "-1"],
    "no numbers": ["1e27", "NaN", "1e309", "-Infinity", "1e-30"],
    "control characters": ["\x00", "0\x0001", "\x01\x07\x1b", "a\tb\nc\rd"],
    "calendar edges": ["0001-01-01", "9999-12-31", "9999Q4", "0000-13", "2026-02-30"],
    "odd text": ["x" * 5000, "𠮷²١٢\u202e", "=cmd|' /C calc'!A0", "////evil.example/phish", " "],
}
HOSTILE = [value for values in KINDS.values() for value in values]


def plausible(world: access_world.World) -> list[str]:
    """Values that get past a form's first checks, so the hostile ones reach deeper."""
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    ids = [
        world.households["A"],
        world.households["B"],
        world.entry_id,
        world.publication_id,
        world.objection_id,
        *world.group_ids.values(),
    ]
    return [
        "001",
        "002",
        "ENV-01",
        "PUB-01",
        "PUB-03",
        "2026-08-03",
        yesterday,
        "2026Q3",
        "2026",
        "1",
        "2.5",
        "y",
        "approve",
        "reject",
        "upheld",
        "dismissed",
        "张三",
        "在村口打扫卫生两个小时",
        "en",
        "/households/",
        *(str(i) for i in ids),
    ]


def values(world):
    return st.one_of(
        st.sampled_from(HOSTILE),
        st.sampled_from(plausible(world)),
        st.sampled_from(HOSTILE),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.dates().map(date.isoformat),
        st.text(max_size=40),
    )


class _Forms(HTMLParser):
    """The forms of a page: (action path, method) → field names."""

    def __init__(self, page: str):
        super().__init__()
        self.page = page
        self.forms: dict[tuple[str, str], set[str]] = {}
        self._current: set[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = urljoin(self.page, attrs.get("action") or self.page)
            method = (attrs.get("method") or "GET").upper()
            key = (urlsplit(action).path, method)
            self._current = self.forms.setdefault(key, set())
            # A GET form's action may carry arguments of its own.
            self._current.update(k for k, _ in parse_qsl(urlsplit(action).query))
        elif tag in ("input", "select", "textarea", "button") and self._current is not None:
            name = attrs.get("name")
            if name and name != "csrf_token":
                self._current.add(name)

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def _names_read_by_views() -> dict[str, set[str]]:
    """Query and form names the views read directly (not through a form class)."""
    found: dict[str, set[str]] = {"GET": set(), "POST": set()}
    pattern = re.compile(r'request\.(args|form)\.get(?:list)?\(\s*"(\w+)"')
    for path in VIEWS.glob("*.py"):
        for source, name in pattern.findall(path.read_text(encoding="utf-8")):
            found["GET" if source == "args" else "POST"].add(name)
    return found


def _discover_fields(app, world) -> dict[tuple[str, str], set[str]]:
    """Every form the table's pages show, to the roles that see the most of them."""
    forms: dict[tuple[str, str], set[str]] = {}
    for route in ROUTES.values():
        if "GET" not in route.methods:
            continue
        for role in ("admin", "supervisor", "resident_a", "anon"):
            if route.methods["GET"][role] != 200:
                continue
            with app.app_context():
                url = route.url(world)
                client = _client_as(app, world, role)
            response = client.get(url)
            if response.mimetype != "text/html":
                continue
            parser = _Forms(url)
            parser.feed(response.get_data(as_text=True))
            for key, names in parser.forms.items():
                forms.setdefault(key, set()).update(names)
    return forms


def _visits(app, world):
    """(endpoint, method, role, URL, field names) for every route, as the least and the most
    privileged role it lets in and one more in turn, so every role visits some pages."""
    forms = _discover_fields(app, world)
    read = _names_read_by_views()
    visits = []
    for turn, (endpoint, route) in enumerate(ROUTES.items()):
        for method, answers in route.methods.items():
            with app.app_context():
                url = route.url(world)
            path, query = urlsplit(url).path, urlsplit(url).query
            names = set(forms.get((path, method), set())) | read[method]
            names |= {k for k, _ in parse_qsl(query)}
            allowed = [r for r in ROLES if answers[r] not in REFUSED]
            for role in dict.fromkeys((allowed[0], allowed[-1], allowed[turn % len(allowed)])):
                visits.append((endpoint, method, role, url, sorted(names)))
    return visits


def _audit_count() -> int:
    return db.session.execute(db.select(db.func.count(AuditEvent.id))).scalar_one()


def _open(app, world, role, method, url, params):
    with app.app_context():
        client = _client_as(app, world, role)
    path = urlsplit(url).path
    if method == "GET":
        query = dict(parse_qsl(urlsplit(url).query))
        return client.get(path, query_string={**query, **params})
    return client.open(url, method=method, data=params)


def _short(params: dict[str, str]) -> str:
    return "{" + ", ".join(f"{k}={v[:30]!r}" for k, v in params.items()) + "}"


def _problem(app, world, visit, params) -> str | None:
    """What is wrong with the answer to one request, or None: a 500, or a 400 that wrote."""
    endpoint, method, role, url, _ = visit
    where = f"{method} {url} ({endpoint}) as {role} with {_short(params)}"
    with app.app_context():
        before = _audit_count()
    try:
        status = _open(app, world, role, method, url, params).status_code
    except Exception as exc:  # TESTING propagates what would be a 500
        return f"{where}: {type(exc).__name__}: {str(exc).splitlines()[0]}"
    if status >= 500:
        return f"{where}: {status}"
    if status == 400:
        with app.app_context():
            if _audit_count() != before:
                return f"{where}: refused with 400, yet wrote"
    return None


def _fuzzer(app, world, visit):
    """Hypothesis's examples for one visit: every field at once, hostile and plausible mixed."""
    strategy = st.fixed_dictionaries(dict.fromkeys(visit[-1], values(world)))

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        # No shrinking: the failure names its values already, and shrinking a page that fails
        # costs minutes.
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=list(HealthCheck),
    )
    @given(params=strategy)
    def visit_with(params):
        problem = _problem(app, world, visit, params)
        assert problem is None, problem

    return visit_with


def test_no_hostile_value_makes_a_page_fail(table_app):
    world = access_world.build(table_app, ledger=True)
    visits = _visits(table_app, world)
    assert {visit[2] for visit in visits} == set(ROLES), "every role visits some page"
    assert any(method == "POST" and "head_name" in names for _, method, *_, names in visits), (
        "the pages' forms were found"
    )
    failures = []
    for visit in visits:
        names = visit[-1]
        for kind in KINDS.values():
            params = {name: kind[i % len(kind)] for i, name in enumerate(names)}
            problem = _problem(table_app, world, visit, params)
            if problem:
                failures.append(problem)
        try:
            _fuzzer(table_app, world, visit)()
        except AssertionError as exc:
            failures.append(str(exc).splitlines()[0])
    assert failures == [], "\n".join(failures)


SEGMENTS = {
    "int": ["0", "2147483648", "9223372036854775808", "99999999999999999999"],
    "default": [
        "%00",
        "%01%07%1B",
        "9999Q4",
        "0000Q1",
        "..",
        "x" * 1000,
        "%F0%A0%AE%B7%C2%B2",
        "%E2%80%AE",
    ],
}


def test_no_hostile_url_segment_makes_a_page_fail(table_app):
    """Every argument of every route (ids, tokens, codes, quarters) replaced by hostile values,
    as an administrator and as nobody signed in."""
    world = access_world.build(table_app, ledger=True)
    failures = []
    for rule in table_app.url_map.iter_rules():
        if rule.endpoint == "static" or not rule.arguments:
            continue
        for argument in sorted(rule.arguments):
            kind = type(rule._converters[argument]).__name__
            segments = SEGMENTS["int"] if "Int" in kind else SEGMENTS["default"]
            for segment in segments:
                url = re.sub(rf"<(?:[^:>]+:)?{argument}>", segment, rule.rule)
                url = re.sub(r"<(?:[^:>]+:)?(\w+)>", "1", url)  # any other argument: an id
                for role in ("admin", "anon"):
                    for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                        visit = (rule.endpoint, method, role, url, [])
                        problem = _problem(table_app, world, visit, {})
                        if problem:
                            failures.append(problem)
    assert failures == [], "\n".join(failures)
