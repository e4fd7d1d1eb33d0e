"""Benchmark: the long pages — door plaques of 5,000 households, a 2,000-row score sheet preview.

    .venv/bin/python benchmarks/long_pages.py [--runs 5] [--db sqlite|postgresql|both]
        [--postgres postgresql://postgres@127.0.0.1:5432/test]

Builds one village of 5,000 households (一组 2,000 of them, 二组 exactly 100, the rest in eight
more groups), loads the demo rulebook, signs an admin in through the test client, and times what
the browser asks for, as the app serves it (the test client: no network, no gunicorn):

- the plaques print page as an admin opens it (`/households/plaques`), its last batch, and 一组's
  page, each against a baseline of the same run: the page of 二组's 100 households (before
  issue 13 every page held all its plaques; now a batch holds at most 96);
- the score sheet preview (upload → preview) of a sheet for 一组 with both ENV-01 (posted at once)
  and ENV-02 (reviewed) ticked on every one of its 2,000 rows, against parsing the same
  workbook alone (`score_sheet.parse`, which the preview runs first).

Every figure is the median of --runs rounds; the figures and their baselines are taken in turn,
round after round, so a slow spell of the machine moves both. The preview is rolled back (it is
a preview), so every round sees the same ledger. Prints how many plaques each page holds.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

HOUSEHOLDS = 5000
BIG_GROUP = 2000  # 一组: the score sheet's rows
SMALL_GROUP = 100  # 二组: the baseline page of plaques
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "建国明华秀英志强桂兰海燕春花德福永平玉兰文军丽红"
GROUPS = [f"{n}组" for n in "一二三四五六七八九十"]
PASSWORD = "bench horse 1"


def build_village(app) -> dict:
    """The village, its households and an admin; returns ids the measurements need."""
    from pointsys import rules_store
    from pointsys.cli import init_database
    from pointsys.extensions import db
    from pointsys.households import new_plaque_token, pinyin_keys
    from pointsys.models import Household, User, UserRole, Village, VillageGroup

    with app.app_context():
        init_database()
        village = Village(code="demo", name="幸福村")  # the demo rulebook's village
        db.session.add(village)
        db.session.flush()
        groups = []
        for order, name in enumerate(GROUPS, start=1):
            group = VillageGroup(village_id=village.id, name=name, sort_order=order)
            db.session.add(group)
            groups.append(group)
        db.session.flush()
        rows = []
        for i in range(HOUSEHOLDS):
            if i < BIG_GROUP:
                group = groups[0]
            elif i < BIG_GROUP + SMALL_GROUP:
                group = groups[1]
            else:
                group = groups[2 + i % 8]
            head = SURNAMES[i % 20] + GIVEN[i % 24] + GIVEN[(i * 7) % 24]
            initials, full = pinyin_keys(head)
            rows.append(
                {
                    "village_id": village.id,
                    "number": f"{i + 1:05d}",
                    "head_name": head,
                    "address": f"幸福路{i + 1}号",
                    "group_id": group.id,
                    "status": "active",
                    "registered_on": date(2020, 1, 1),
                    "head_initials": initials,
                    "head_pinyin": full,
                    "plaque_token": new_plaque_token(),
                }
            )
        db.session.execute(db.insert(Household), rows)
        admin = User(username="admin", display_name="ADMIN", village_id=village.id)
        admin.role_rows = [UserRole(role="admin")]
        admin.set_password(PASSWORD)
        db.session.add(admin)
        rules_store.store(rules_store.DEMO_RULEBOOK, actor_label="bench")
        db.session.commit()
        return {"village": village.id, "big": groups[0].id, "small": groups[1].id}


def filled_sheet(app, ids: dict) -> bytes:
    """一组's score sheet for today with ENV-01 and ENV-02 ticked on every row."""
    from openpyxl import load_workbook

    from pointsys import score_sheet
    from pointsys.extensions import db
    from pointsys.localtime import app_today
    from pointsys.models import Village, VillageGroup

    with app.app_context():
        village = db.session.get(Village, ids["village"])
        group = db.session.get(VillageGroup, ids["big"])
        sheet = score_sheet.generate(village, group, ["ENV-01", "ENV-02"], app_today())
    wb = load_workbook(io.BytesIO(sheet.data))
    ws = wb.active
    from pointsys.score_sheet.layout import FIRST_ROW

    for row in range(FIRST_ROW, FIRST_ROW + BIG_GROUP):
        ws.cell(row=row, column=3, value="√")
        ws.cell(row=row, column=4, value="√")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def measure(database_url: str, runs: int) -> None:
    from pointsys import create_app, score_sheet
    from pointsys.extensions import db
    from pointsys.models import Village

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench"})
    app.config["WTF_CSRF_ENABLED"] = False  # the forms are posted by this script, not a browser
    ids = build_village(app)
    data = filled_sheet(app, ids)
    client = app.test_client()
    response = client.post("/auth/login", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 302, response.status_code

    def get(path: str) -> Callable[[], int]:
        def run() -> int:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            return response.get_data(as_text=True).count('class="plaque"')

        return run

    def preview() -> int:
        response = client.post(
            "/score-sheets/upload",
            data={"file": (io.BytesIO(data), "评分表.xlsx")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 200, response.get_data(as_text=True)[-2000:]
        return response.get_data(as_text=True).count("<tr") - 1

    def parse_alone() -> int:
        with app.app_context():
            village = db.session.get(Village, ids["village"])
            parsed = score_sheet.parse(village, data)
            assert not parsed.problems, parsed.problems[:3]
            db.session.rollback()
            return len(parsed.drafts)

    plaques = "/households/plaques"
    last_batch = -(-HOUSEHOLDS // 96)  # batches of 96 plaques (ignored by a page of them all)
    figures = {
        "plaques page as opened": get(plaques),
        "plaques, last batch": get(f"{plaques}?page={last_batch}"),
        "plaques, 一组 (2,000 households)": get(f"{plaques}?group={ids['big']}"),
        "plaques, 二组 (100 households) [baseline]": get(f"{plaques}?group={ids['small']}"),
        "score sheet preview, 2,000 rows": preview,
        "parse the same workbook alone [baseline]": parse_alone,
    }
    times: dict[str, list[float]] = {name: [] for name in figures}
    sizes: dict[str, int] = {}
    for name, run in figures.items():  # warm-up: imports, templates, caches
        sizes[name] = run()
    for _ in range(runs):
        for name, run in figures.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(values) for name, values in times.items()}
    plaque_base = medians["plaques, 二组 (100 households) [baseline]"]
    parse_base = medians["parse the same workbook alone [baseline]"]
    for name, median in medians.items():
        base = parse_base if "sheet" in name or "parse" in name else plaque_base
        unit = "drafts" if "parse" in name else "rows" if "preview" in name else "plaques"
        print(
            f"  {name}: {sizes[name]} {unit}, median {median:.3f} s  {_fmt(times[name])}"
            f"  {median / base:.2f}× baseline"
        )
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def postgres_schema(url: str):
    import psycopg
    from sqlalchemy.engine import make_url

    schema = "bench_" + uuid.uuid4().hex[:12]
    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})

    def drop():
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')

    return scoped.render_as_string(hide_password=False), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    logging.disable(logging.INFO)  # alembic's "Running upgrade …" lines
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["POINTSYS_INSTANCE_PATH"] = tmp
        if args.db in ("sqlite", "both"):
            print(f"SQLite, {HOUSEHOLDS} households, {args.runs} runs:")
            measure(f"sqlite:///{tmp}/bench.sqlite", args.runs)
        if args.db in ("postgresql", "both"):
            print(f"PostgreSQL, {HOUSEHOLDS} households, {args.runs} runs:")
            scoped, drop = postgres_schema(args.postgres)
            try:
                measure(scoped, args.runs)
            finally:
                drop()


def _fmt(values: list[float]) -> str:
    return "[" + ", ".join(f"{v:.3f}" for v in values) + "]"


if __name__ == "__main__":
    main()
