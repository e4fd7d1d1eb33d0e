"""The real server under load: gunicorn, 16 clients recording, approving and signing in at once.

Before BEGIN IMMEDIATE, SQLite answered 26–61 % of submissions with 503 "数据库暂时无法连接", and
most sign-ins failed while a clerk was recording: a transaction that read first could not wait
for the write lock. Now every request must succeed, and the ledger must hold exactly the entries
the clerks were told were recorded and the approvals the supervisors were told were made.

Runs on the suite's database (SQLite by default, PostgreSQL with --db postgresql), with 4 sync
workers and with 2 workers × 4 threads, each for POINTSYS_LOAD_SECONDS (default 30; shorten it
while developing). The clients are plain urllib: the server is the thing measured.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pointsys.extensions import db

from .conftest import CSRF_RE, make_app

ROOT = Path(__file__).resolve().parent.parent
SECONDS = float(os.environ.get("POINTSYS_LOAD_SECONDS", "30"))
PASSWORD = "load-test-password"
CLERKS, SUPERVISORS, STAFF_SIGNERS, RESIDENT_SIGNERS = 8, 4, 2, 2
ITEM = "ENV-02"  # 门前三包: reviewed, one point, no quantity
SERVERS = {
    "sync": ["--workers", "4", "--worker-class", "sync"],
    "gthread": ["--workers", "2", "--worker-class", "gthread", "--threads", "4"],
}
RECORDED_RE = re.compile(r"已记录 #(\d+)：")
APPROVED = "已审核通过 1 条。"
PENDING_RE = re.compile(r'name="approve_one" value="(\d+)"')
INPUT_RE = re.compile(r"<input[^>]*>")
VALUE_RE = re.compile(r'value="([^"]*)"')


@dataclass
class Tally:
    """What the clients saw: answers by status, and what they were told was done."""

    statuses: Counter = field(default_factory=Counter)
    recorded: dict[str, int] = field(default_factory=dict)  # idempotency key → entry id
    approved: set[int] = field(default_factory=set)
    sign_ins: int = 0
    failed_sign_ins: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: int) -> None:
        with self.lock:
            self.statuses[status] += 1


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One client: its own cookies, every answer counted, redirects followed by hand."""

    def __init__(self, base: str, tally: Tally) -> None:
        self.base, self.tally = base, tally
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, str | None]:
        body = None if data is None else urllib.parse.urlencode(data, doseq=True).encode()
        try:
            with self.opener.open(self.base + path, body, timeout=60) as response:
                status, text, location = response.status, response.read().decode(), None
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
            location = error.headers.get("Location")
        self.tally.add(status)
        if status >= 500:
            self.tally.problems.append(f"{status} {path}: {_page_text(text)}")
        return status, text, location

    def get(self, path: str) -> str:
        return self.request(path)[1]

    def post(self, path: str, data: dict) -> tuple[int, str | None]:
        status, _, location = self.request(path, data)
        return status, location

    def sign_in(self, username: str, password: str) -> bool:
        token = _csrf(self.get("/auth/login"))
        status, _ = self.post(
            "/auth/login", {"csrf_token": token, "username": username, "password": password}
        )
        return status == 302

    def resident_sign_in(self, number: str, pin: str) -> bool:
        token = _csrf(self.get("/me/login"))
        status, _ = self.post("/me/login", {"csrf_token": token, "number": number, "pin": pin})
        return status == 302

    def sign_out(self, after: str) -> None:
        self.post("/auth/logout", {"csrf_token": _csrf(self.get(after))})


def _csrf(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no csrf_token on the page"
    return match.group(1) or match.group(2)


def _input_value(html: str, name: str) -> str | None:
    """The value of the form's <input name=…>, whatever order its attributes come in."""
    for tag in INPUT_RE.findall(html):
        if f'name="{name}"' in tag:
            match = VALUE_RE.search(tag)
            return match.group(1) if match else None
    return None


def _page_text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())[:200]


def _prepare(database_url: str, instance_path: Path) -> dict:
    """The demo village, plus the load's staff accounts and resident PINs; returns their logins."""
    from pointsys import accounts, residents
    from pointsys.cli import init_database
    from pointsys.demo import build_demo
    from pointsys.models import Household, Role, Village
    from pointsys.publishing import Deadlines

    app = make_app(database_url)
    with app.app_context():
        init_database()
        build_demo(str(instance_path), Deadlines.from_config(app.config))
        village = db.session.execute(db.select(Village).filter_by(code="demo")).scalar_one()
        names = {
            "clerks": [f"loadclerk{n}" for n in range(CLERKS)],
            "supervisors": [f"loadsup{n}" for n in range(SUPERVISORS)],
            "signers": [f"loadsigner{n}" for n in range(STAFF_SIGNERS)],
        }
        roles = {"clerks": Role.CLERK, "supervisors": Role.SUPERVISOR, "signers": Role.CLERK}
        for kind, usernames in names.items():
            for username in usernames:
                user = accounts.create_user(
                    username, username, PASSWORD, {roles[kind]}, actor_label="load"
                )
                user.village_id = village.id
        households = (
            db.session.execute(
                db.select(Household).filter_by(village_id=village.id).order_by(Household.number)
            )
            .scalars()
            .all()
        )
        pins = {h.number: residents.issue_pin(h, actor="load") for h in households[-4:]}
        db.session.commit()
        logins = {**names, "pins": pins, "households": [h.id for h in households]}
        db.session.remove()
        db.engine.dispose()
    return logins


def _serve(database_url: str, instance_path: Path, options: list[str]) -> tuple:
    """gunicorn on a free port of 127.0.0.1; returns (process, base URL) once it listens."""
    env = {
        **os.environ,
        "POINTSYS_DATABASE_URL": database_url,
        "POINTSYS_INSTANCE_PATH": str(instance_path),
        "POINTSYS_SECRET_KEY": "load-test-secret",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *options, "--bind", "127.0.0.1:0", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    log: list[str] = []
    for line in process.stderr:  # blocks until gunicorn says where it listens
        log.append(line)
        match = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", line)
        if match:
            break
    else:
        raise AssertionError("gunicorn did not start:\n" + "".join(log))
    # Keep reading its log, so a full pipe never stalls the server.
    threading.Thread(target=lambda: log.extend(process.stderr), daemon=True).start()
    return process, match.group(1), log


def _stop(process) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _clerk(browser: Browser, username: str, households: list[int], until: float, seed: int):
    rng = random.Random(seed)
    tally = browser.tally
    if not browser.sign_in(username, PASSWORD):
        tally.failed_sign_ins.append(username)
        return
    while time.monotonic() < until:
        household = rng.choice(households)
        path = f"/ledger/record?household={household}"
        html = browser.get(path)
        key, on = _input_value(html, "key"), _input_value(html, "on")
        if not key or not on:
            tally.problems.append(f"no key or date on {path}: {_page_text(html)}")
            return
        data = {"csrf_token": _csrf(html), "key": key, "on": on, "item": ITEM}
        # Every fifth submission is sent twice (a double click): recorded once, answered twice.
        for _ in range(2 if rng.random() < 0.2 else 1):
            status, location = browser.post(path, data)
            if status != 302:
                tally.problems.append(f"record answered {status}")
                continue
            told = RECORDED_RE.search(browser.get(location))
            if told is None:
                tally.problems.append("recorded without saying which entry")
                continue
            with tally.lock:
                previous = tally.recorded.setdefault(key, int(told.group(1)))
            if previous != int(told.group(1)):
                tally.problems.append(f"key {key} recorded as #{previous} and #{told.group(1)}")


def _supervisor(browser: Browser, username: str, until: float, seed: int):
    rng = random.Random(seed)
    tally = browser.tally
    if not browser.sign_in(username, PASSWORD):
        tally.failed_sign_ins.append(username)
        return
    html = browser.get("/ledger/review")
    while time.monotonic() < until:
        pending = PENDING_RE.findall(html)
        if not pending:
            html = browser.get("/ledger/review")
            continue
        entry_id = int(rng.choice(pending))
        status, location = browser.post(
            "/ledger/review", {"csrf_token": _csrf(html), "approve_one": str(entry_id)}
        )
        if status != 302:
            tally.problems.append(f"approve answered {status}")
            continue
        html = browser.get(location)
        if APPROVED in html:
            with tally.lock:
                tally.approved.add(entry_id)


def _signer(base: str, tally: Tally, login, until: float):
    """Sign in and out again and again, each time as a new browser."""
    while time.monotonic() < until:
        browser = Browser(base, tally)
        ok, after = login(browser)
        with tally.lock:
            tally.sign_ins += 1
        if not ok:
            tally.failed_sign_ins.append("sign-in refused")
            continue
        browser.sign_out(after)


@pytest.mark.parametrize("server", sorted(SERVERS))
def test_sixteen_clients_for_thirty_seconds(server, database_url, instance_path, tmp_path):
    logins = _prepare(database_url, instance_path)
    process, base, log = _serve(database_url, instance_path, SERVERS[server])
    tally = Tally()
    try:
        started = time.monotonic()
        until = started + SECONDS
        threads = [
            threading.Thread(
                target=_clerk,
                args=(Browser(base, tally), name, logins["households"], until, n),
            )
            for n, name in enumerate(logins["clerks"])
        ]
        threads += [
            threading.Thread(target=_supervisor, args=(Browser(base, tally), name, until, n))
            for n, name in enumerate(logins["supervisors"])
        ]
        for name in logins["signers"]:
            staff = lambda b, name=name: (b.sign_in(name, PASSWORD), "/")  # noqa: E731
            threads.append(threading.Thread(target=_signer, args=(base, tally, staff, until)))
        for number, pin in list(logins["pins"].items())[:RESIDENT_SIGNERS]:
            resident = lambda b, n=number, p=pin: (b.resident_sign_in(n, p), "/me/")  # noqa: E731
            threads.append(threading.Thread(target=_signer, args=(base, tally, resident, until)))
        assert len(threads) == 16
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=SECONDS + 120)
        elapsed = time.monotonic() - started
    finally:
        _stop(process)

    summary = {
        "server": server,
        "database": database_url.split(":")[0],
        "seconds": round(elapsed, 1),
        "requests": sum(tally.statuses.values()),
        "statuses": dict(sorted(tally.statuses.items())),
        "recorded": len(tally.recorded),
        "approved": len(tally.approved),
        "sign_ins": tally.sign_ins,
    }
    print("\nload:", json.dumps(summary, ensure_ascii=False))
    server_errors = [line for line in log if "Traceback" in line or "Error" in line]
    assert not tally.problems, (tally.problems[:10], server_errors[:10])
    assert set(tally.statuses) <= {200, 302}, summary  # not one 500 or 503, nor a 400 or 429
    assert tally.failed_sign_ins == [], tally.failed_sign_ins[:10]
    assert tally.recorded and tally.approved and tally.sign_ins, summary
    _check_ledger(database_url, instance_path, logins, tally)


def _check_ledger(database_url: str, instance_path: Path, logins: dict, tally: Tally) -> None:
    """The ledger holds exactly what the clients were told: none lost, none doubled."""
    from pointsys.models import Entry, EntryStatus, Submission, User

    app = make_app(database_url)
    with app.app_context():
        rows = db.session.execute(
            db.select(Entry.id, Entry.status, Submission.key, User.username)
            .join(Submission, Submission.id == Entry.submission_id)
            .join(User, User.id == Entry.created_by_id)
            .where(User.username.in_(logins["clerks"]))
        ).all()
        supervisors = {
            entry_id
            for (entry_id,) in db.session.execute(
                db.select(Entry.id)
                .join(User, User.id == Entry.reviewed_by_id)
                .where(User.username.in_(logins["supervisors"]))
            )
        }
        db.session.remove()
        db.engine.dispose()
    by_key = {key: entry_id for entry_id, _, key, _ in rows}
    assert len(by_key) == len(rows), "a submission key recorded more than one entry"
    assert by_key == tally.recorded
    approved = {entry_id for entry_id, status, _, _ in rows if status == EntryStatus.APPROVED}
    # Every approval a supervisor was told of happened, and no other (the demo's own pending
    # entries may be among them).
    assert supervisors == tally.approved
    assert approved == tally.approved & set(by_key.values())
