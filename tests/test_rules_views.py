"""The resident rulebook page: public, Chinese first, English on request, the version in force."""

from __future__ import annotations

from pathlib import Path

from pointsys.extensions import db
from pointsys.rules_store import DEMO_RULEBOOK, store

from .conftest import csrf_token


def _load(app, path=DEMO_RULEBOOK):
    with app.app_context():
        store(Path(path), actor_label="test")
        db.session.commit()


def test_list_without_rulebooks(client):
    html = client.get("/rules/").get_data(as_text=True)
    assert "还没有载入细则。管理员可运行 flask --app pointsys rules load。" in html


def test_unknown_village_is_404(client):
    assert client.get("/rules/nowhere").status_code == 404


def test_residents_read_the_rulebook_without_signing_in(app, client):
    _load(app)
    assert '<a href="/rules/demo">demo</a>' in client.get("/rules/").get_data(as_text=True)
    html = client.get("/rules/demo?on=2026-08-01").get_data(as_text=True)
    assert "<h1>幸福村积分管理细则</h1>" in html
    assert "版本：2026 年修订版，自 2026-01-01 起施行。" in html
    assert "以下为 2026-08-01 有效的积分事项。" in html
    assert (
        "<li>年度积分（主积分）：基础分 100 分，每年 01-01 清零，从基础分重新算；"
        "低于基础分的欠分带到下一年。</li>" in html
    )
    assert "<li>荣誉积分：基础分 0 分，永不清零，逐年累计。</li>" in html
    assert "<li>可兑换积分：年度积分超出基础分 100 分的部分，可以兑换。</li>" in html
    assert "<li>年度积分低于 70 分的户：暂停享受村集体福利，不能兑换积分。</li>" in html
    assert "<li>星级按全年得分评定：</li>" in html and "<li>5 星：90 分及以上</li>" in html
    assert (
        '<p class="meta">积分保留一位小数。按数量算出的分值四舍五入到一位小数，扣分按绝对值同样处理'
        "（如每小时 0.1 分 × 4.5 小时 = 0.45，记 0.5 分；-0.45 记 -0.5 分）。</p>" in html
    )
    assert "<h2>环境卫生</h2>" in html and "<h2>产业发展</h2>" in html
    assert "<strong>垃圾分类投放正确</strong>" in html
    assert '<div class="rule-points plus">每次 +1 分</div>' in html
    assert '<div class="rule-limits">每月最多 2 分</div>' in html
    assert "依据：村规民约第六条 · 核实方式：保洁员记录" in html
    assert (
        "一票否决：当季度列入黑榜、4 个季度内不能上红榜、2 年内（含当年）不能兑换积分、星级降 1 级"
        in html
    )
    assert "与 FIL-03 合计每月最多 1 分" in html
    # What changed in each version
    assert (
        "<h3>2026-07-01</h3>" in html and "垃圾分类、志愿服务提高分值；违规建房扣分加重。" in html
    )
    assert "每次由 0.5 分提高到 1 分，每月上限仍为 2 分。" in html
    assert "红白事燃放烟花爆竹" in html.split('id="changes"')[0]  # retired only in October
    march = client.get("/rules/demo?on=2026-03-01").get_data(as_text=True)
    assert '<div class="rule-points plus">每次 +0.5 分</div>' in march
    assert "秸秆禁烧" not in march.split('id="changes"')[0]


def test_rulebook_page_in_english(app, client):
    _load(app)
    client.post("/language", data={"csrf_token": csrf_token(client), "lang": "en"})
    html = client.get("/rules/demo?on=2026-08-01").get_data(as_text=True)
    assert "Version: 2026 年修订版, in force since 2026-01-01." in html
    assert '<div class="rule-points plus">+1 point each time</div>' in html
    assert "at most 2 points per month" in html
    assert "Points have one decimal place. Points worked out from a quantity are rounded" in html
    assert "<h2>Revisions</h2>" in html


def test_a_bad_date_falls_back_to_today(app, client):
    _load(app)
    assert client.get("/rules/demo?on=yesterday").status_code == 200


def test_the_page_keeps_the_last_good_rulebook(app, client, tmp_path):
    _load(app)
    broken = tmp_path / "demo.toml"
    broken.write_text(DEMO_RULEBOOK.read_text(encoding="utf-8") + "\n[oops\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["rules", "load", str(broken)])
    assert result.exit_code == 1
    assert "<h1>幸福村积分管理细则</h1>" in client.get("/rules/demo").get_data(as_text=True)


def test_staff_see_the_rulebook_in_the_menu(app, client, make_user):
    from .conftest import login

    make_user("clerk1")
    html = login(client, "clerk1", "correct horse 1").get_data(as_text=True)
    assert '<a href="/rules/">积分细则</a>' in html


LEGACY = """
[rulebook]
village = "legacy"
name = "老细则"
version = "1"
effective = 2026-01-01
{account}

[[categories]]
code = "env"
name = "环境卫生"

[[categories.items]]
code = "A-01"
title = "事项"
article = "第一条"
points = 2
"""


def test_the_account_section_says_what_the_legacy_account_does(app, client, tmp_path):
    # reset = "never" used to print "每户每年基础分 100 分" beside "积分逐年结转": a base that
    # comes once, said as if yearly. Each balance now says its own base and reset.
    never = tmp_path / "never.toml"
    never.write_text(
        LEGACY.format(
            account='[account]\nbase_points = 100\nreset = "never"\nhonour_total = false'
        ),
        encoding="utf-8",
    )
    _load(app, never)
    html = client.get("/rules/legacy").get_data(as_text=True)
    assert "<li>积分余额（主积分）：基础分 100 分，永不清零，逐年累计。</li>" in html
    assert "每户每年基础分" not in html and "荣誉总分" not in html


def test_the_account_section_is_shown_with_a_zero_base(app, client, tmp_path):
    zero = tmp_path / "zero.toml"
    zero.write_text(LEGACY.format(account=""), encoding="utf-8")
    _load(app, zero)
    html = client.get("/rules/legacy").get_data(as_text=True)
    assert "<li>积分余额（主积分）：基础分 0 分，每年 01-01 清零，从基础分重新算。</li>" in html
    assert "<li>荣誉总分：基础分 0 分，永不清零，逐年累计。</li>" in html


EXAMPLES = sorted((Path(DEMO_RULEBOOK).parent / "examples").glob("*.toml"))


def test_every_example_rulebook_has_its_page_in_both_languages(app, client):
    # Half-year, two-month and since-joining periods, levels, value bands and latest-deductions
    # lists all have words: the page of each example opens and says what its accounts do.
    expected = {
        "credit_village.toml": [
            "信用积分（主积分）：基础分 1000 分，永不清零",
            "每双月",
            "每半年限一次",
        ],
        "honour_exchange.toml": ["兑换积分：基础分 0 分，每年 01-01 清零", "红黑榜按月排名"],
        "jifen_bank.toml": ["暂停享受村集体福利"],
    }
    for path in EXAMPLES:
        _load(app, path)
        code = path.read_text(encoding="utf-8").split('village = "')[1].split('"')[0]
        html = client.get(f"/rules/{code}").get_data(as_text=True)
        for words in expected.get(path.name, []):
            assert words in html, (path.name, words)
    client.post("/language", data={"csrf_token": csrf_token(client), "lang": "en"})
    for path in EXAMPLES:
        code = path.read_text(encoding="utf-8").split('village = "')[1].split('"')[0]
        english = client.get(f"/rules/{code}")
        assert english.status_code == 200 and "Revisions" in english.get_data(as_text=True)
