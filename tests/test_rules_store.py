"""rules_store.in_force(): the one way every page, command and sum gets the rulebook in force."""

from decimal import Decimal

from pointsys import rules_store
from pointsys.extensions import db


def test_no_rulebook_loaded_is_an_empty_rulebook_not_none(app):
    with app.app_context():
        current = rules_store.in_force("demo")
        assert not current.loaded and current.snapshot is None
        assert current.rulebook.items == {} and current.rulebook.honours.tiers == ()
        assert current.rulebook.account.base_points == 0


def test_the_last_loaded_snapshot_is_in_force(app, tmp_path):
    with app.app_context():
        first, _ = rules_store.store(rules_store.DEMO_RULEBOOK, actor_label="t")
        text = rules_store.DEMO_RULEBOOK.read_text(encoding="utf-8")
        changed = tmp_path / "demo.toml"
        changed.write_text(text.replace("base = 100", "base = 60"), encoding="utf-8")
        second, _ = rules_store.store(changed, actor_label="t")
        db.session.commit()
        current = rules_store.in_force("demo")
        assert current.loaded and current.snapshot.id == second.id != first.id
        assert current.rulebook.account.base_points == Decimal(60)
        assert current.rulebook.main_balance.base == Decimal(60)
        assert "ENV-01" in current.rulebook.items
