"""Every function that adds, inserts, updates or deletes rows also records an audit event.

A static guard, read from the source: a new write without audit.record() fails here. It sees
session.add/add_all/delete and execute(insert/update/delete …); changes made by setting
attributes on a loaded row are covered by the behavioural tests of each module instead.
"""

import ast
from pathlib import Path

import pointsys

PACKAGE = Path(pointsys.__file__).resolve().parent
# Writes whose audit event is recorded by the caller, with the reason.
AUDITED_BY_CALLER = {
    # The audit trail itself.
    ("audit.py", "record"),
    ("audit.py", "record_many"),
    # The submission row is part of ledger.record()/reverse(), which audit every entry they add.
    ("ledger/common.py", "open_submission"),
    # A no-op UPDATE that takes SQLite's write lock; it changes nothing.
    ("ledger/common.py", "lock_rows"),
}
WRITE_METHODS = {"add", "add_all", "delete"}
WRITE_STATEMENTS = {"insert", "update", "delete"}


def _is_write(call: ast.Call) -> bool:
    func = call.func
    if not isinstance(func, ast.Attribute):
        return False
    owner = ast.unparse(func.value)
    if func.attr in WRITE_METHODS and owner.endswith("session"):
        return True
    if func.attr in ("execute", "scalars") and owner.endswith("session") and call.args:
        inner = call.args[0]
        while isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute):
            if inner.func.attr in WRITE_STATEMENTS:
                return True
            inner = inner.func.value  # insert(X).returning(...): walk down to insert(X)
        if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name):
            return inner.func.id in WRITE_STATEMENTS
    return False


def _is_audit(call: ast.Call) -> bool:
    return ast.unparse(call.func) in ("audit.record", "audit.record_many")


def writers_without_audit() -> list[str]:
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith("migrations/"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            calls = [n for n in ast.walk(function) if isinstance(n, ast.Call)]
            writes = any(_is_write(c) for c in calls)
            audited = any(_is_audit(c) for c in calls)
            if writes and not audited and (relative, function.name) not in AUDITED_BY_CALLER:
                missing.append(f"{relative}:{function.lineno} {function.name}")
    return missing


def test_every_write_records_an_audit_event():
    assert writers_without_audit() == []


def test_the_guard_sees_writes():
    source = (
        "def f():\n    db.session.add(x)\n\ndef g():\n    db.session.execute(insert(T), rows)\n"
    )
    tree = ast.parse(source)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    assert sum(_is_write(c) for c in calls) == 2
