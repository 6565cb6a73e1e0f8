"""Where the code of submissions, reviews and clusters lives: the rules know nothing of
aiogram or SQLAlchemy, nothing below the handlers imports a handler, and no router module
grows past what one person can read."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# The modules of these features outside bot/handlers/.
BELOW_HANDLERS = [
    "bot/domain/submissions.py",
    "bot/domain/clusters.py",
    "bot/services/submissions.py",
    "bot/services/clusters.py",
    "bot/storage/submissions.py",
    "bot/storage/clusters.py",
    "bot/ui/submissions.py",
    "bot/ui/clusters.py",
]
DOMAIN = ["bot/domain/submissions.py", "bot/domain/clusters.py"]
HANDLER_PACKAGES = ["bot/handlers/submissions", "bot/handlers/reviews", "bot/handlers/clusters"]
# The modules these features' handlers used to be, whose names others imported.
FORMER_HANDLERS = (
    "bot.handlers.submission_cards",
    "bot.handlers.submissions",
    "bot.handlers.reviews",
    "bot.handlers.clusters",
)
MAX_HANDLER_LINES = 700


def imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


@pytest.mark.parametrize("module", BELOW_HANDLERS)
def test_nothing_below_the_handlers_imports_a_handler(module: str) -> None:
    found = {m for m in imported_modules(ROOT / module) if m.startswith("bot.handlers")}
    assert found == set()


@pytest.mark.parametrize("module", DOMAIN)
def test_the_rules_know_nothing_of_the_bot_or_the_database(module: str) -> None:
    found = {
        m
        for m in imported_modules(ROOT / module)
        if m.split(".")[0] in ("aiogram", "sqlalchemy") or m.startswith("bot.storage")
    }
    assert found == set()


def test_the_scheduler_and_the_services_find_the_submission_views_in_the_ui() -> None:
    for path in [*(ROOT / "scheduler").rglob("*.py"), *(ROOT / "bot" / "services").rglob("*.py")]:
        found = {m for m in imported_modules(path) if m.startswith(FORMER_HANDLERS)}
        assert found == set(), path


@pytest.mark.parametrize("package", HANDLER_PACKAGES)
def test_no_router_module_of_these_features_is_over_700_lines(package: str) -> None:
    modules = sorted((ROOT / package).glob("*.py"))
    assert modules, f"{package} is a package of router modules"
    long = {
        str(path.relative_to(ROOT)): lines
        for path in modules
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_HANDLER_LINES
    }
    assert long == {}
