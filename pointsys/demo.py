"""The demo village: what a newcomer sees in the first minute. Every step is idempotent."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from . import accounts, audit, residents
from .addresses import EVERY_INTERFACE, LOCAL, serving_urls
from .extensions import db
from .households.demo import demo_registry
from .ledger_demo import demo_ledger
from .models import AuditEvent, Household, Member, Role, User, UserRole, Village
from .navigation import ROLE_LABELS
from .publishing import Deadlines, publish_demo
from .rules_store import load_demo_rulebook

DEMO_VILLAGE_CODE = "demo"
# The demo's households have been 在册 since before its ledger starts (January 2026).
DEMO_REGISTERED_ON = date(2026, 1, 1)
LOGINS_FILE = "demo-logins.json"
ACTOR = "demo"

# (username, display name, roles)
DEMO_USERS = [
    ("admin", "王主任", (Role.ADMIN,)),
    ("clerk", "李文书", (Role.CLERK,)),
    ("leader", "张组长", (Role.GROUP_LEADER,)),
    ("supervisor", "赵监督", (Role.SUPERVISOR,)),
]

# (户号, 户主, 门牌, [(成员, 与户主关系)])
DEMO_HOUSEHOLDS = [
    ("001", "张三明", "幸福路1号", [("李秀英", "配偶"), ("张小军", "子")]),
    ("002", "李建国", "幸福路3号", [("王芳", "配偶")]),
    ("003", "王大海", "幸福路5号", [("陈丽", "配偶"), ("王欣", "女"), ("王老汉", "父")]),
    ("004", "赵春花", "和睦巷2号", [("孙强", "配偶")]),
    ("005", "陈志刚", "和睦巷4号", []),
    ("006", "刘德华", "和睦巷6号", [("周敏", "配偶"), ("刘洋", "子")]),
    ("007", "杨桂兰", "团结路8号", [("杨明", "子")]),
    ("008", "黄永福", "团结路10号", [("吴霞", "配偶"), ("黄婷", "女")]),
    ("009", "周建平", "团结路12号", [("郑红", "配偶")]),
    ("010", "吴国庆", "新村东区1号", [("钱玉兰", "配偶"), ("吴磊", "子")]),
    ("011", "徐海燕", "新村东区3号", [("徐涛", "子")]),
    ("012", "孙有财", "新村东区5号", [("马秀珍", "配偶")]),
]


# The group leader demo account looks after this group; this household gets a resident PIN.
DEMO_LEADER, DEMO_LEADER_GROUP = "leader", "一组"
DEMO_RESIDENT_HOUSEHOLD = "001"


@dataclass
class DemoReport:
    created: list[str] = field(default_factory=list)
    logins: dict[str, str] = field(default_factory=dict)
    pins: dict[str, str] = field(default_factory=dict)  # 户号 → PIN

    def summary(self, host: str = LOCAL, port: int = 5000, lan: list[str] | None = None) -> str:
        """The logins, then where to open the app served by `flask run` on host:port (`lan`:
        this computer's LAN addresses, found when not given)."""
        lines = [
            "示范村已创建：" + "、".join(self.created)
            if self.created
            else "示范村已存在，数据保持不变。"
        ]
        lines.append("示范账号（用户名 / 密码）：")
        for username, display, roles in DEMO_USERS:
            role_text = "、".join(str(ROLE_LABELS[r]) for r in roles)
            lines.append(
                f"  {username} / {self.logins.get(username, '?')}    {display}（{role_text}）"
            )
        if self.pins:
            lines.append("示范村民登录（户号 / PIN，在 /me/login）：")
            for number, pin in sorted(self.pins.items()):
                lines.append(f"  {number} / {pin}")
        lines.extend(_where_to_open(host, port, lan))
        return "\n".join(lines)


def _where_to_open(host: str, port: int, lan: list[str] | None) -> list[str]:
    urls = serving_urls(host, port, lan)
    lines = ["启动后访问："]
    for url, from_network in urls:
        where = "村里的手机和电脑（连同一个网络）" if from_network else "本机"
        lines.append(f"  {url}    {where}")
    if host in EVERY_INTERFACE and len(urls) == 1:
        lines.append(
            "没有找到本机的局域网 IP：用 ip addr（Windows 用 ipconfig）查看，"
            f"手机打开 http://<局域网 IP>:{port}。"
        )
    elif not any(from_network for _, from_network in urls):
        lines.append(
            "让村里的手机也能打开：用 flask --app pointsys run --host 0.0.0.0"
            + ("" if port == 5000 else f" --port {port}")
            + " 启动（见 README）。"
        )
    return lines


def build_demo(instance_path: str, deadlines: Deadlines) -> DemoReport:
    """Create whatever part of the demo village is missing; never change what exists.
    `deadlines` are the demo issue's publicity and objection periods (the app's settings)."""
    report = DemoReport()
    village = _demo_village(report)
    _demo_households(village, report)
    report.logins = _demo_users(village, Path(instance_path) / LOGINS_FILE, report)
    demo_registry(village, report)
    _demo_leader_group(village, report)
    report.pins = _demo_pin(village, Path(instance_path) / LOGINS_FILE, report)
    load_demo_rulebook(report.created)
    # The ledger commits submission by submission, so the village and its rulebook come first.
    db.session.commit()
    demo_ledger(village, report)
    db.session.commit()
    publish_demo(village, report, deadlines)
    db.session.commit()
    return report


def _demo_village(report: DemoReport) -> Village:
    village = db.session.execute(
        db.select(Village).filter_by(code=DEMO_VILLAGE_CODE)
    ).scalar_one_or_none()
    if village is None:
        village = Village(code=DEMO_VILLAGE_CODE, name="幸福村")
        db.session.add(village)
        db.session.flush()
        audit.record("create", "village", village.id, actor_label=ACTOR, after={"name": "幸福村"})
        report.created.append("村")
    return village


def _demo_households(village: Village, report: DemoReport) -> None:
    existing = set(
        db.session.execute(db.select(Household.number).filter_by(village_id=village.id)).scalars()
    )
    added = 0
    for number, head, address, members in DEMO_HOUSEHOLDS:
        if number in existing:
            continue
        household = Household(
            village=village,
            number=number,
            head_name=head,
            address=address,
            registered_on=DEMO_REGISTERED_ON,
        )
        household.members = [Member(name=head, relation="户主")] + [
            Member(name=name, relation=relation) for name, relation in members
        ]
        db.session.add(household)
        db.session.flush()
        audit.record(
            "create", "household", household.id, actor_label=ACTOR, after={"number": number}
        )
        added += 1
    if added:
        report.created.append(f"{added} 户")


def _demo_users(village: Village, logins_path: Path, report: DemoReport) -> dict[str, str]:
    """Demo passwords: random per instance (never in the repository), kept beside the database."""
    logins: dict[str, str] = {}
    if logins_path.exists():
        logins = json.loads(logins_path.read_text(encoding="utf-8"))
    changed = False
    for username, display, roles in DEMO_USERS:
        user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one_or_none()
        if user is not None and username in logins:
            continue
        password = f"demo-{secrets.randbelow(10**6):06d}"
        if user is None:
            user = User(username=username, display_name=display, village_id=village.id)
            user.role_rows = [UserRole(role=r.value) for r in roles]
            db.session.add(user)
            report.created.append(f"账号 {username}")
        user.set_password(password)
        db.session.flush()
        audit.record(
            "set_password", "user", user.id, actor_label=ACTOR, after={"username": username}
        )
        logins[username] = password
        changed = True
    if changed:
        logins_path.write_text(json.dumps(logins, ensure_ascii=False, indent=2), encoding="utf-8")
        logins_path.chmod(0o600)
    return logins


def _demo_leader_group(village: Village, report: DemoReport) -> None:
    """Give the demo group leader their group once; an administrator's later choice stands."""
    leader = db.session.execute(
        db.select(User).filter_by(username=DEMO_LEADER)
    ).scalar_one_or_none()
    if leader is None or leader.group_rows:
        return
    assigned_before = db.session.execute(
        db.select(AuditEvent.id).filter_by(
            action="set_groups", object_type="user", object_id=str(leader.id)
        )
    ).first()
    if assigned_before:
        return
    accounts.set_groups(leader, accounts.find_groups(village, [DEMO_LEADER_GROUP]), actor=ACTOR)
    report.created.append(f"{DEMO_LEADER} 负责{DEMO_LEADER_GROUP}")


def _demo_pin(village: Village, logins_path: Path, report: DemoReport) -> dict[str, str]:
    """A resident PIN for one demo household, random per instance, kept in demo-logins.json.

    Issued once: a PIN already there (the file's, or one an administrator issued) is kept.
    """
    logins = json.loads(logins_path.read_text(encoding="utf-8")) if logins_path.exists() else {}
    pins: dict[str, str] = logins.get("households", {})
    household = residents.find_household(village, DEMO_RESIDENT_HOUSEHOLD)
    if household is None or not household.is_active or residents.access_of(household):
        return pins
    pins[household.number] = residents.issue_pin(household, actor=ACTOR)
    logins["households"] = pins
    logins_path.write_text(json.dumps(logins, ensure_ascii=False, indent=2), encoding="utf-8")
    logins_path.chmod(0o600)
    report.created.append(f"户号 {household.number} 的村民 PIN")
    return pins
