"""Logging that never prints the bot token, whatever library formats the message.

At INFO an operator sees what the start-up did (migrations applied, templates loaded, the
bot's name and mode) and what goes wrong; the libraries' own start-up detail is DEBUG's.
"""

from __future__ import annotations

import logging

# Loggers whose INFO lines are detail, not news: alembic announces every plugin it sets up and
# its SQL dialect at each start (bot/storage/db.py says which migrations ran), APScheduler
# lists its jobs and each run, and aiogram's dispatcher writes a line per update handled (a
# formatted, redacted line on every update is measurable CPU at hundreds of updates a second).
DETAIL_LOGGERS = ("alembic", "apscheduler", "aiogram.event")


class RedactingFormatter(logging.Formatter):
    def __init__(self, secrets: list[str], fmt: str) -> None:
        super().__init__(fmt)
        self._secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self._secrets:
            text = text.replace(secret, "<redacted>")
        return text


def setup_logging(secrets: list[str], level: int | str = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        RedactingFormatter(secrets, "%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    detail = logging.NOTSET if root.level <= logging.DEBUG else logging.WARNING
    for name in DETAIL_LOGGERS:
        logging.getLogger(name).setLevel(detail)
