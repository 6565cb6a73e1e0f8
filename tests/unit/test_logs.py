"""Start-up output: the libraries' detail stays below INFO unless DEBUG is asked for."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.logs import DETAIL_LOGGERS, setup_logging


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in DETAIL_LOGGERS}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, detail in levels.items():
        logging.getLogger(name).setLevel(detail)


def test_at_info_alembic_and_apscheduler_say_only_what_went_wrong() -> None:
    setup_logging([], "INFO")
    assert not logging.getLogger("alembic.runtime.plugins").isEnabledFor(logging.INFO)
    assert not logging.getLogger("apscheduler.scheduler").isEnabledFor(logging.INFO)
    assert logging.getLogger("alembic.runtime.migration").isEnabledFor(logging.WARNING)
    assert logging.getLogger("bot.storage.db").isEnabledFor(logging.INFO)


def test_debug_shows_the_libraries_detail_too() -> None:
    setup_logging([], "DEBUG")
    assert logging.getLogger("alembic.runtime.plugins").isEnabledFor(logging.INFO)
    assert logging.getLogger("apscheduler.scheduler").isEnabledFor(logging.DEBUG)


def test_the_token_never_reaches_the_log(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(["123456:secret-part"], "INFO")
    logging.getLogger("bot.test").warning("calling https://api/bot123456:secret-part/getMe")
    assert "secret-part" not in capsys.readouterr().err
