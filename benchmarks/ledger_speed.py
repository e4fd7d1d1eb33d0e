"""Benchmark: ledger reads and a batch write on a town-sized ledger (issue 5 item 11).

    .venv/bin/python benchmarks/ledger_speed.py [--households 100000] [--entries 5000000]
        [--small 1000] [--runs 7] [--db sqlite|postgresql|both]
        [--postgres postgresql://postgres@127.0.0.1:5432/test]

Builds a big ledger (100,000 households, 5,000,000 approved entries over five years) and a small
one (1,000 households, the same entries per household) in their own databases — SQLite files in
/tmp, PostgreSQL databases created and dropped here — by bulk load (not measured), then
ANALYZE (PostgreSQL: VACUUM ANALYZE, which index-only scans need) and measures, as medians:

  (a) standings.balance(household, day) in the big ledger against the small one: flat as the
      village grows (ratio near 1); with the query plan the database chose.
  (b) standings.standings(village, quarter) against the raw GROUP BY of the same per-household
      sums, through the same driver on the same database (target ≤ 1.5×): for 2026Q1 the
      quarter's sums; for 2026Q3 the quarter's and the account year's (the balance), also
      printed against the quarter's sums alone.
  (c) ledger.record(…, source="batch") of one item for 500 households + commit, against 1 s
      and against a raw executemany of 500 entry rows + commit.
  (d) standings.standings(village, 2026Q3) with the THREE balances rules/demo.toml declares
      (年度积分: base 100, yearly, carry = "negative", folded from 2022; 荣誉积分: never resets;
      可兑换积分: above the base) and a status, against the raw GROUP BY of the same sums (the
      quarter's points, each account year since the first entry, the all-time total) in one
      pass with CASE columns, in the same run (target ≤ 1.5×).
(a)–(b) run with the demo rulebook's legacy form (one [account] balance, as before issue 14).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import psycopg
from sqlalchemy import event, insert, text
from sqlalchemy.engine import make_url

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

DAY = date(2026, 11, 20)  # balances asked on this day; TODAY is the day after
TODAY = date(2026, 11, 21)
FIRST_DAY = date(2022, 1, 1)
SPAN = (DAY - FIRST_DAY).days
# Items of rules/demo.toml the bulk ledger uses (never ENV-01: the batch below records it).
ITEMS = [("ENV-02", 100), ("FIL-02", 50), ("PUB-01", 400), ("ENV-03", 50), ("LAW-02", -500)]
ENTRY_COLUMNS = [
    "village_id",
    "household_id",
    "kind",
    "rulebook_snapshot_id",
    "item_code",
    "item_version",
    "item_title",
    "article",
    "occurred_on",
    "requested",
    "points",
    "limits",
    "veto",
    "source",
    "status",
    "created_label",
    "created_at",
]


def median_ms(fn, runs: int) -> float:
    return interleaved([fn], runs)[0]


def interleaved(fns, runs: int) -> list[float]:
    """Median milliseconds of each function, timed in turn round after round, so that a figure
    and its baseline see the same load on a shared machine."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, spent in zip(fns, times, strict=True):
            start = time.perf_counter()
            fn()
            spent.append((time.perf_counter() - start) * 1000)
    return [statistics.median(spent) for spent in times]


class Ledger:
    """One database with one village, its households and a bulk-loaded ledger."""

    def __init__(self, url: str, households: int, entries: int, instance: str) -> None:
        os.environ["POINTSYS_INSTANCE_PATH"] = instance
        from pointsys import create_app

        self.url = url
        self.app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
        self.context = self.app.app_context()
        self.context.push()
        started = time.perf_counter()
        self._build(households, entries)
        self.load_seconds = time.perf_counter() - started

    def _build(self, households: int, entries: int) -> None:
        from pointsys import rules_store
        from pointsys.cli import init_database
        from pointsys.extensions import db
        from pointsys.models import Entry, Household, User, UserRole, Village

        init_database()
        self.village = Village(code="demo", name="幸福村")
        db.session.add(self.village)
        db.session.flush()
        clerk = User(username="clerk", display_name="C", village_id=self.village.id)
        clerk.role_rows = [UserRole(role="clerk")]
        clerk.set_password("correct horse 1")
        db.session.add(clerk)
        snapshot, _ = rules_store.store(rules_store.DEMO_RULEBOOK, actor_label="bench")
        now = datetime.now(UTC)
        db.session.execute(
            insert(Household),
            [
                {
                    "village_id": self.village.id,
                    "number": f"{i + 1:06d}",
                    "head_name": f"户主{i + 1}",
                    "created_at": now,
                    # 在册 before the five years of entries: every household ranks in each period.
                    "registered_on": date(2020, 1, 1),
                }
                for i in range(households)
            ],
        )
        db.session.commit()
        self.village_id, self.clerk_id = self.village.id, clerk.id
        self.snapshot_id = snapshot.id
        self.household_ids = list(
            db.session.execute(
                db.select(Household.id).where(Household.village_id == self.village.id)
            ).scalars()
        )
        # End the session's transaction: on PostgreSQL its snapshot, taken before the load, would
        # keep VACUUM from marking the loaded pages all-visible, and index-only scans would then
        # read the table for every row (as they do on a freshly loaded, never vacuumed table).
        db.session.commit()
        table = Entry.__table__
        with db.engine.begin() as conn:  # indexes after the load: much faster to build
            for index in table.indexes:
                index.drop(conn)
        self._bulk_load(entries)
        with db.engine.begin() as conn:
            for index in table.indexes:
                index.create(conn)
        raw = db.engine.raw_connection()
        try:
            if db.engine.dialect.name == "postgresql":
                raw.driver_connection.autocommit = True
                raw.driver_connection.execute("VACUUM ANALYZE")
                visible, pages = raw.driver_connection.execute(
                    "SELECT relallvisible, relpages FROM pg_class WHERE relname = 'entry'"
                ).fetchone()
                # Back to transactions before the connection returns to the pool.
                raw.driver_connection.autocommit = False
                self.all_visible = visible / max(pages, 1)
            else:
                raw.driver_connection.execute("ANALYZE")
                raw.commit()
        finally:
            raw.close()

    def rows(self, entries: int):
        rng = random.Random(5)
        ids = self.household_ids
        village, snapshot = self.village_id, self.snapshot_id
        created = datetime(2026, 1, 1, tzinfo=UTC)
        version = date(2026, 1, 1)
        for _ in range(entries):
            code, points = ITEMS[rng.randrange(len(ITEMS))]
            on = FIRST_DAY + timedelta(days=rng.randrange(SPAN))
            yield (
                village,
                ids[rng.randrange(len(ids))],
                "entry",
                snapshot,
                code,
                version,
                code,
                "村规民约",
                on,
                points,
                points,
                "",
                "",
                "form",
                "approved",
                "bench",
                created,
            )

    def _bulk_load(self, entries: int) -> None:
        from pointsys.extensions import db

        columns = ", ".join(ENTRY_COLUMNS)
        raw = db.engine.raw_connection()
        try:
            if db.engine.dialect.name == "postgresql":
                cursor = raw.cursor()
                with cursor.copy(f"COPY entry ({columns}) FROM STDIN") as copy:
                    for row in self.rows(entries):
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(ENTRY_COLUMNS))
                cursor = raw.cursor()
                # The app lets SQLAlchemy open transactions (pysqlite's autocommit mode); a raw
                # connection must open its own, or every row is a transaction of its own.
                cursor.execute("BEGIN")
                sql = f"INSERT INTO entry ({columns}) VALUES ({marks})"
                batch = []
                for row in self.rows(entries):
                    batch.append(row)
                    if len(batch) == 100_000:
                        cursor.executemany(sql, batch)
                        batch = []
                cursor.executemany(sql, batch)
            raw.commit()
        finally:
            raw.close()

    def objects(self):
        """The village and the clerk, in the current app context's session."""
        from pointsys.extensions import db
        from pointsys.models import User, Village

        return db.session.get(Village, self.village_id), db.session.get(User, self.clerk_id)

    def close(self) -> None:
        from pointsys.extensions import db

        db.session.remove()
        db.engine.dispose()
        self.context.pop()


def capture_sql(fn):
    """The SQL statements (with parameters) fn runs."""
    from pointsys.extensions import db

    seen = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return seen


def explain(statement: str, parameters) -> str:
    from pointsys.extensions import db

    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        prefix = "EXPLAIN " if db.engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
        cursor.execute(prefix + statement, parameters)
        return "\n".join("    " + " ".join(str(c) for c in row) for row in cursor.fetchall())
    finally:
        raw.rollback()
        raw.close()


LEGACY_ACCOUNT = """[account]
base_points = 100
reset = "yearly"
reset_on = "01-01"
honour_total = false
"""


def legacy_rulebook():
    """rules/demo.toml with its [[balances]] and [[statuses]] replaced by the one [account]
    balance it had before issue 14: what (b) has always measured."""
    from pointsys import rules_store
    from pointsys.rulebook import loads

    text = rules_store.DEMO_RULEBOOK.read_text(encoding="utf-8")
    start, end = text.index("[[balances]]"), text.index("# 一票否决的后果")
    return loads(text[:start] + LEGACY_ACCOUNT + "\n" + text[end:])


def measure_balance(big: Ledger, small: Ledger, runs: int) -> None:
    from pointsys import standings
    from pointsys.extensions import db
    from pointsys.models import Household

    legacy = legacy_rulebook()

    def round_of(ledger: Ledger, spent: list[float]) -> None:
        ledger.context.push()
        try:
            household = db.session.get(
                Household, ledger.household_ids[len(ledger.household_ids) // 2]
            )
            standings.balance(
                household, DAY, legacy
            )  # warm: the rulebook is parsed once per process
            for _ in range(10):
                start = time.perf_counter()
                standings.balance(household, DAY, legacy)
                spent.append((time.perf_counter() - start) * 1000)
        finally:
            ledger.context.pop()

    big_times: list[float] = []
    small_times: list[float] = []
    for _ in range(runs):  # in turn, so both see the same load
        round_of(big, big_times)
        round_of(small, small_times)
    big_ms, small_ms = statistics.median(big_times), statistics.median(small_times)
    print(
        f"(a) balance(household, day): {big_ms:.3f} ms among {len(big.household_ids):,} "
        f"households vs {small_ms:.3f} ms among {len(small.household_ids):,}: "
        f"ratio {big_ms / small_ms:.2f}× (target: under 1 ms, flat)"
    )
    big.context.push()
    try:
        household = db.session.get(Household, big.household_ids[0])
        statements = capture_sql(lambda: standings.balance(household, DAY, legacy))
        print(f"    balance() runs {len(statements)} statements; the plan of its sum:")
        for statement, parameters in statements:
            if "sum(entry.points)" in statement:
                print(explain(statement, parameters))
                raw = db.engine.raw_connection()
                try:
                    cursor = raw.cursor()

                    def sum_only(cursor=cursor, statement=statement, parameters=parameters):
                        cursor.execute(statement, parameters)
                        cursor.fetchall()

                    sum_ms = median_ms(sum_only, runs * 10)
                finally:
                    raw.rollback()
                    raw.close()
                print(f"    the sum query alone, through the driver: {sum_ms:.3f} ms")
    finally:
        big.context.pop()


def measure_standings(ledger: Ledger, runs: int) -> None:
    from pointsys import standings
    from pointsys.extensions import db
    from pointsys.models import from_hundredths
    from pointsys.periods import Period

    village, _ = ledger.objects()
    legacy = legacy_rulebook()
    base = legacy.account.base_points
    where = (
        " FROM entry WHERE village_id = :village AND status = 'approved'"
        " AND occurred_on >= :first AND occurred_on < :end GROUP BY household_id"
    )
    quarter_sql = text("SELECT household_id, sum(points)" + where)
    # The same answer as standings(): the quarter's points and the account year's balance (the
    # demo rulebook's year starts on 1 January), in one pass over the year so far.
    same_sql = text(
        "SELECT household_id, sum(CASE WHEN occurred_on >= :start THEN points ELSE 0 END),"
        " sum(points)" + where
    )
    for code in ("2026Q1", "2026Q3"):
        quarter = Period.parse(code)
        year = date(quarter.start.year, 1, 1)
        in_quarter = {"village": village.id, "first": quarter.start, "end": quarter.end}
        in_year = {**in_quarter, "first": year, "start": quarter.start}

        def raw_quarter(params=in_quarter):
            return db.session.execute(quarter_sql, params).all()

        def raw_same(params=in_year):
            return db.session.execute(same_sql, params).all()

        def table(quarter=quarter):
            return standings.standings(village, quarter, legacy)

        rows = table().rows
        points = {h: from_hundredths(p) for h, p in raw_quarter()}
        assert {r.household_id: r.points for r in rows if r.points or r.household_id in points} == (
            points
        ), "standings and the raw GROUP BY disagree"
        balances = {h: base + from_hundredths(a) for h, _, a in raw_same()}
        assert all(r.balance == balances.get(r.household_id, base) for r in rows)
        if year == quarter.start:  # the account year starts with the quarter: the same query
            raw_ms, table_ms = interleaved([raw_quarter, table], runs)
            print(
                f"(b) standings(village, {code}) for {len(ledger.household_ids):,} households: "
                f"{table_ms:.0f} ms vs raw GROUP BY of the quarter's sums {raw_ms:.0f} ms: "
                f"ratio {table_ms / raw_ms:.2f}× (target ≤ 1.5×)"
            )
            continue
        raw_ms, same_ms, table_ms = interleaved([raw_quarter, raw_same, table], runs)
        print(
            f"(b) standings(village, {code}) for {len(ledger.household_ids):,} households: "
            f"{table_ms:.0f} ms vs raw GROUP BY of the same sums (the quarter's points, the "
            f"balance from {year}) {same_ms:.0f} ms: ratio {table_ms / same_ms:.2f}× "
            f"(target ≤ 1.5×); vs the quarter's sums alone {raw_ms:.0f} ms: "
            f"{table_ms / raw_ms:.2f}×"
        )


def measure_three_balances(ledger: Ledger, runs: int) -> None:
    from pointsys import rules_store, standings
    from pointsys.extensions import db
    from pointsys.models import from_hundredths
    from pointsys.periods import Period

    village, _ = ledger.objects()
    rulebook = rules_store.in_force(village.code).rulebook
    assert [b.code for b in rulebook.balances] == ["yearly", "honour", "redeemable"]
    quarter = Period.parse("2026Q3")
    years = list(range(FIRST_DAY.year, quarter.end.year + 1))
    # The same sums standings needs, in one pass with CASE columns: the quarter's points, each
    # account year's points (the carry folds them), and every entry ever (荣誉积分).
    columns = [
        "sum(CASE WHEN occurred_on >= :q_start THEN points ELSE 0 END)",
        *(
            f"sum(CASE WHEN occurred_on >= '{y}-01-01' AND occurred_on < '{y + 1}-01-01'"
            " THEN points ELSE 0 END)"
            for y in years
        ),
        "sum(points)",
    ]
    raw_sql = text(
        f"SELECT household_id, {', '.join(columns)} FROM entry WHERE village_id = :village"
        " AND status = 'approved' AND occurred_on < :end GROUP BY household_id"
    )
    params = {"village": village.id, "q_start": quarter.start, "end": quarter.end}

    def raw():
        return db.session.execute(raw_sql, params).all()

    def table():
        return standings.standings(village, quarter)

    expected = {}
    for household_id, points, *per_year, total in raw():
        opening = 10000  # hundredths: the base, 100
        for year_sum in per_year[:-1]:
            opening = min(opening + year_sum, 10000)  # a shortfall carries, a surplus does not
        yearly = opening + per_year[-1]
        expected[household_id] = (
            from_hundredths(points),
            from_hundredths(yearly),
            from_hundredths(total),
            from_hundredths(max(0, yearly - 10000)),
        )
    rows = table().rows
    assert all(
        (r.points, *r.balances) == expected.get(r.household_id, (0, 100, 0, 0)) for r in rows
    ), "standings and the raw GROUP BY disagree on the three balances"
    suspended = sum(1 for r in rows if r.statuses)
    raw_ms, table_ms = interleaved([raw, table], runs)
    print(
        f"(d) standings(village, 2026Q3), three balances + a status, "
        f"{len(ledger.household_ids):,} households ({suspended:,} suspended): {table_ms:.0f} ms "
        f"vs raw GROUP BY of the same sums (quarter, {len(years)} account years, all-time) "
        f"{raw_ms:.0f} ms: ratio {table_ms / raw_ms:.2f}× (target ≤ 1.5×)"
    )


def measure_batch(ledger: Ledger, runs: int) -> None:
    from pointsys import ledger as ledger_api
    from pointsys.extensions import db
    from pointsys.ledger import Draft

    ids = iter(ledger.household_ids)
    village, clerk = ledger.objects()

    def batch():
        drafts = [Draft(next(ids), "ENV-01", DAY) for _ in range(500)]
        result = ledger_api.record(
            village,
            drafts,
            key=uuid.uuid4().hex,
            actor=clerk,
            source="batch",
            today=TODAY,
        )
        db.session.commit()
        assert len(result.entries) == 500 and result.entries[0].status == "approved"

    columns = ", ".join(ENTRY_COLUMNS)
    names = ", ".join(f":{c}" for c in ENTRY_COLUMNS)
    raw_insert = text(f"INSERT INTO entry ({columns}) VALUES ({names})")

    def raw():
        rows = [dict(zip(ENTRY_COLUMNS, row, strict=True)) for row in ledger.rows(500)]
        db.session.execute(raw_insert, rows)
        db.session.commit()

    batch()  # warm
    batch_ms, raw_ms = interleaved([batch, raw], runs)
    print(
        f"(c) batch of ENV-01 for 500 households (record + commit): {batch_ms:.0f} ms: "
        f"{batch_ms / 1000:.2f}× the 1 s target; raw executemany of 500 rows {raw_ms:.0f} ms: "
        f"ratio {batch_ms / raw_ms:.1f}×"
    )


def run(kind: str, args, instance: str) -> None:
    small_entries = args.entries * args.small // args.households
    if kind == "sqlite":
        urls = [f"sqlite:///{instance}/{name}.sqlite" for name in ("big", "small")]
        drop = []
    else:
        base = make_url(args.postgres)
        admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
        names = [f"pointsys_bench_{name}_{uuid.uuid4().hex[:6]}" for name in ("big", "small")]
        with psycopg.connect(admin, autocommit=True) as conn:
            for name in names:
                conn.execute(f'CREATE DATABASE "{name}"')
        urls = [base.set(database=n).render_as_string(hide_password=False) for n in names]
        drop = names
    try:
        print(f"== {kind}: loading {args.households:,} households / {args.entries:,} entries …")
        big = Ledger(urls[0], args.households, args.entries, instance)
        big.context.pop()
        small = Ledger(urls[1], args.small, small_entries, instance)
        small.context.pop()
        print(
            f"   loaded in {big.load_seconds:.0f} s (+ {small.load_seconds:.0f} s for "
            f"{args.small:,} households / {small_entries:,} entries)"
        )
        if kind == "postgresql":  # index-only scans read the table for pages not all-visible
            print(f"   entry pages all-visible after VACUUM: {big.all_visible:.0%}")
        measure_balance(big, small, args.runs)
        big.context.push()
        measure_standings(big, args.runs)
        measure_three_balances(big, args.runs)
        measure_batch(big, args.runs)
        big.close()
        small.context.push()
        small.close()
    finally:
        if drop:
            with psycopg.connect(admin, autocommit=True) as conn:
                for name in drop:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=5_000_000)
    parser.add_argument("--small", type=int, default=1_000, help="households of the small ledger")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    print("command: " + " ".join([os.path.basename(sys.executable), *sys.argv]))
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    for kind in kinds:
        with tempfile.TemporaryDirectory(prefix="ledger-bench-", dir="/tmp") as instance:
            started = time.perf_counter()
            run(kind, args, instance)
            print(f"   {kind} done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
