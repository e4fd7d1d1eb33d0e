"""`flask --app pointsys rules …`: check, show, load and test the village rulebooks."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from .localtime import app_today
from .rulebook import RulebookError, load
from .rulebook.describe import limits_text, points_text, precision_text
from .rulebook.messages import N_, translate
from .rulebook.scenarios import load_scenarios, run, uncovered

rules_group = AppGroup("rules", help="Check, show, load and test the rulebooks in rules/.")

LANGUAGE = click.option(
    "--lang",
    type=click.Choice(["zh_CN", "en"]),
    default="zh_CN",
    show_default=True,
    help="Language of the messages.",
)


def _rulebook_files(paths: tuple[str, ...], *, examples: bool = False) -> list[Path]:
    """The paths given, or every village rulebook in rules/ (and, to check them, the example
    rulebooks in rules/examples/, which no village uses and `rules load` never stores)."""
    from .rules_store import RULES_DIR

    found = sorted(RULES_DIR.glob("*.toml"))
    if examples:
        found += sorted((RULES_DIR / "examples").glob("*.toml"))
    return [Path(p) for p in paths] or [_short(p) for p in found]


def _scenario_files(paths: tuple[str, ...]) -> list[Path]:
    from .rules_store import RULES_DIR

    found = sorted((RULES_DIR / "tests").glob("*.toml"))
    return [Path(p) for p in paths] or [_short(p) for p in found]


def _short(path: Path) -> Path:
    """rules/demo.toml rather than /srv/…/rules/demo.toml when run from the project folder."""
    return path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path


@rules_group.command("check")
@click.argument("paths", nargs=-1, type=click.Path())
@LANGUAGE
def check_command(paths: tuple[str, ...], lang: str) -> None:
    """Validate rulebooks (default: rules/*.toml and rules/examples/*.toml); list every problem;
    exit 1 if there is any."""
    failed = 0
    for path in _rulebook_files(paths, examples=True):
        try:
            rulebook = load(path)
        except RulebookError as exc:
            failed += len(exc.problems)
            click.echo(exc.text(lang), err=True)
            continue
        click.echo(
            translate(
                N_("{file}：没有问题（{items} 个事项，{categories} 个类别）。"),
                lang,
                file=path,
                items=len(rulebook.items),
                categories=len(rulebook.categories),
            )
        )
    if failed:
        raise click.ClickException(translate(N_("共发现 {count} 个问题。"), lang, count=failed))


@rules_group.command("show")
@click.argument("path", required=False, type=click.Path())
@click.option(
    "--on", "day", type=click.DateTime(["%Y-%m-%d"]), help="Show the items in force on this day."
)
@LANGUAGE
def show_command(path: str | None, day, lang: str) -> None:
    """Print the item table of a rulebook (default: rules/demo.toml)."""
    from .rules_store import DEMO_RULEBOOK

    try:
        rulebook = load(Path(path) if path else DEMO_RULEBOOK)
    except RulebookError as exc:
        click.echo(exc.text(lang), err=True)
        raise click.ClickException(
            translate(N_("共发现 {count} 个问题。"), lang, count=len(exc.problems))
        ) from None
    on = day.date() if day else app_today()
    click.echo(f"{rulebook.name} · {rulebook.version} · {on}")
    click.echo(precision_text(rulebook, lang))
    for category in rulebook.categories:
        click.echo(f"\n[{category.code}] {category.name}")
        for code in category.items:
            version = rulebook.items[code].version_on(on)
            if version is None:
                continue
            limits = "；".join(limits_text(rulebook, version, lang))
            line = f"  {code:<8} {version.title}  {points_text(version, lang)}"
            click.echo(line + (f"  （{limits}）" if limits else "") + f"  {version.article}")


@rules_group.command("load")
@click.argument("paths", nargs=-1, type=click.Path())
@LANGUAGE
def load_command(paths: tuple[str, ...], lang: str) -> None:
    """Store validated rulebooks as immutable snapshots; a failing file is never stored."""
    from .extensions import db
    from .rules_store import store

    failed = 0
    for path in _rulebook_files(paths):
        try:
            snapshot, created = store(path, actor_label="cli")
        except RulebookError as exc:
            db.session.rollback()
            failed += len(exc.problems)
            click.echo(exc.text(lang), err=True)
            continue
        db.session.commit()
        message = (
            N_("已载入 {village} 的细则（{version}，sha256 {digest}）。")
            if created
            else N_("{village} 的细则（{version}，sha256 {digest}）已载入过，未改变。")
        )
        click.echo(
            translate(
                message,
                lang,
                village=snapshot.village_code,
                version=snapshot.version,
                digest=snapshot.sha256[:12],
            )
        )
    if failed:
        raise click.ClickException(
            translate(
                N_("共发现 {count} 个问题；有问题的细则没有载入，系统继续使用上一版。"),
                lang,
                count=failed,
            )
        )


@rules_group.command("test")
@click.argument("paths", nargs=-1, type=click.Path())
@LANGUAGE
def test_command(paths: tuple[str, ...], lang: str) -> None:
    """Run the rule scenarios (default: rules/tests/*.toml); exit 1 if any expectation fails."""
    problems = failures = 0
    for path in _scenario_files(paths):
        try:
            rulebook_path, scenarios = load_scenarios(path)
            rulebook = load(rulebook_path)
        except RulebookError as exc:
            problems += len(exc.problems)
            click.echo(exc.text(lang), err=True)
            continue
        outcomes = [run(rulebook, scenario, str(path)) for scenario in scenarios]
        for outcome in outcomes:
            texts = outcome.failure_texts(lang)
            failures += len(texts)
            click.echo(("✗ " if texts else "✓ ") + outcome.name)
            for text in texts:
                click.echo("    " + text)
        for gap in uncovered(rulebook, outcomes):
            click.echo(translate(N_("未覆盖：{gap}"), lang, gap=gap))
    # A file that cannot be read is a problem, not an expectation that failed: say which it was.
    summary = []
    if problems:
        summary.append(translate(N_("共发现 {count} 个问题。"), lang, count=problems))
    if failures:
        summary.append(translate(N_("共有 {count} 处与预期不符。"), lang, count=failures))
    if summary:
        raise click.ClickException(" ".join(summary))
