"""The household's own page: what the door plaque (/h/<token>, no sign-in) shows, as the rulebook's
[plaque] decides, and the signed-in household's page (/me/), which shows everything."""

from html import unescape

import pytest

from pointsys import ledger, residents, rules_store
from pointsys.extensions import db
from pointsys.ledger import Draft
from pointsys.localtime import app_today
from pointsys.models import Member

from .conftest import csrf_token
from .test_residents import resident_login

TOKEN = "t" * 32
AWARD = "举报违法犯罪线索经查属实"  # SAF-03 +5, approved
REVERSED = "主动调解邻里纠纷成功"  # SAF-02 +2, approved, then reversed
PENALTY = "封建迷信活动"  # CUS-06 -5, approved
PENDING = "探望孤寡老人"  # FIL-02 +0.5, waiting for review
REJECTED = "参加治安巡逻"  # SAF-01, rejected with a reason
REASON = "照片看不清，请补交"
EVERY_ENTRY = (AWARD, REVERSED, PENALTY, PENDING, REJECTED)


@pytest.fixture
def ledger_of_001(village):
    """Household 001 (张三明, with his wife 李秀英) with one entry of every kind; 002 with one."""
    h1, h2, _ = village.households
    h1.members.append(Member(name="李秀英", relation="配偶"))
    today = app_today()

    def record(household, code, key):
        return ledger.record(
            village.village, [Draft(household.id, code, today)], key=key, actor=village.clerk
        ).entries

    ledger.approve(record(h1, "SAF-03", "a"), reviewer=village.supervisor)
    (reversed_entry,) = record(h1, "SAF-02", "b")
    ledger.approve([reversed_entry], reviewer=village.supervisor)
    ledger.reverse(reversed_entry, actor=village.supervisor, reason="重复记录", key="b-rev")
    ledger.approve(record(h1, "CUS-06", "c"), reviewer=village.supervisor)
    record(h1, "FIL-02", "d")
    ledger.reject(record(h1, "SAF-01", "e"), reviewer=village.supervisor, reason=REASON)
    ledger.approve(record(h2, "SAF-02", "f"), reviewer=village.supervisor)
    h1.plaque_token = TOKEN
    db.session.commit()
    return village


def _plaque_settings(tmp_path, block: str) -> None:
    """Load the demo rulebook again with another [plaque] table (inside the app context)."""
    text = rules_store.DEMO_RULEBOOK.read_text(encoding="utf-8")
    start = text.index("[plaque]")
    end = text.index("\n\n", start)
    path = tmp_path / "demo.toml"
    path.write_text(text[:start] + "[plaque]\n" + block + text[end:], encoding="utf-8")
    rules_store.store(path, actor_label="test")
    db.session.commit()


def _plaque(client) -> str:
    response = client.get("/h/" + TOKEN)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _figures(html: str) -> None:
    """What every plaque shows: the balance, this quarter's points, rank and tier."""
    assert '<span class="figure-value">100</span>' in html  # 100 base + 5 − 5 (+2 −2 reversed)
    assert "第 2 名 / 3 户" in html  # 002 has +2; 001 and 003 have 0
    assert "本季度排名" in html and "榜单" in html


def test_by_default_the_plaque_masks_the_head_and_lists_awards_only(ledger_of_001, client):
    html = _plaque(client)
    assert "<dd>张*明</dd>" in html and "张三明" not in html
    assert "李秀英" not in html and "家庭成员" not in html
    assert "<h2>加分记录</h2>" in html and AWARD in html and "+5" in html
    for hidden in (REVERSED, PENALTY, PENDING, REJECTED, REASON, "重复记录", "待审核"):
        assert hidden not in html
    assert "SAF-02" not in html  # nothing of household 002
    assert "本户登录后可看全部积分记录" in html


def test_the_signed_in_household_sees_everything(ledger_of_001, app):
    pin = residents.issue_pin(ledger_of_001.households[0], actor="test")
    db.session.commit()
    client = app.test_client()
    resident_login(client, "001", pin)
    html = client.get("/me/").get_data(as_text=True)
    assert "张三明" in html and "李秀英（配偶）" in html
    assert all(title in html for title in EVERY_ENTRY)
    assert f"驳回理由：{REASON}" in html and "冲正理由：重复记录" in html
    assert "还有 1 条记录待审核（0.5 分），审核通过后才计入积分。" in html


def test_a_plaque_may_show_every_entry_full_names_and_members(ledger_of_001, client, tmp_path):
    _plaque_settings(tmp_path, 'names = "full"\nentries = "all"\nmembers = true')
    html = _plaque(client)
    _figures(html)
    assert "<dd>张三明</dd>" in html and "李秀英（配偶）" in html
    assert "<h2>积分记录</h2>" in html and all(title in html for title in EVERY_ENTRY)
    assert f"驳回理由：{REASON}" in html
    assert "还有 1 条记录待审核（0.5 分），审核通过后才计入积分。" in html


def test_a_plaque_may_list_members_with_masked_names(ledger_of_001, client, tmp_path):
    _plaque_settings(tmp_path, "members = true")
    html = _plaque(client)
    assert "<h2>家庭成员</h2>" in html and "李*英（配偶）" in html and "张*明（户主）" in html
    assert "李秀英" not in html and "张三明" not in html


def test_a_plaque_may_list_no_entries(ledger_of_001, client, tmp_path):
    _plaque_settings(tmp_path, 'entries = "none"\nnames = "full"')
    html = _plaque(client)
    _figures(html)
    assert "<dd>张三明</dd>" in html
    assert "积分记录</h2>" not in html and "加分记录</h2>" not in html
    assert not any(title in html for title in EVERY_ENTRY)


def test_the_default_plaque_figures_agree_with_the_full_page(ledger_of_001, client):
    _figures(_plaque(client))


def test_the_rulebook_page_says_what_the_plaque_shows(ledger_of_001, client, tmp_path):
    html = client.get("/rules/demo").get_data(as_text=True)
    assert (
        "门牌二维码页（不用登录）显示打码的户主姓名（如 张*明）、积分余额、本季度得分、排名和榜单，"
        "列出加分记录，不列家庭成员。本户登录后可看全部内容。"
    ) in html
    _plaque_settings(tmp_path, 'names = "full"\nentries = "none"\nmembers = true')
    html = client.get("/rules/demo").get_data(as_text=True)
    assert (
        "门牌二维码页（不用登录）显示户主全名、积分余额、本季度得分、排名和榜单，"
        "不列积分记录，列出家庭成员。本户登录后可看全部内容。"
    ) in html


def test_the_plaque_sentence_in_english(app, client, tmp_path):
    # Its own test: the fixtures above hold an app context, which keeps the first request's locale.
    with app.app_context():
        _plaque_settings(tmp_path, 'entries = "all"')
    client.post("/language", data={"csrf_token": csrf_token(client), "lang": "en"})
    html = unescape(client.get("/rules/demo").get_data(as_text=True))
    assert (
        "The door plaque's QR page (no sign-in) shows the head of household's name masked (like "
        "张*明), the balance, this quarter's points, rank and list, lists every entry (penalties, "
        "pending entries and reasons for rejection included) and does not list the members. "
        "Signed in, the household sees everything."
    ) in html
