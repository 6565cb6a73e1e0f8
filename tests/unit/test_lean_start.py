"""What a running bot costs before anyone asks for a report: the chart and spreadsheet
libraries (matplotlib with numpy, PIL and fontTools; openpyxl) are some 50 MB of memory, and
are loaded only by the first chart, workbook or task file."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
REPORT_LIBRARIES = ("matplotlib", "numpy", "PIL", "fontTools", "openpyxl", "pandas")

# The bot as `python -m bot` assembles it: every router, middleware and the dispatcher built.
_START = textwrap.dedent(
    """
    import json, sys
    from bot.app import create_app
    from bot.config import Settings

    settings = Settings(
        _env_file=None,
        bot_token="123456789:TEST-token-for-the-fake-api-0000",
        bot_api_url="http://127.0.0.1:9",
        database_url="sqlite+aiosqlite:///:memory:",
    )
    app = create_app(settings)
    assert app.dispatcher.sub_routers
    print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
    """
)


def _loaded_after(script: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_a_started_bot_has_not_loaded_the_chart_or_spreadsheet_libraries() -> None:
    loaded = _loaded_after(_START)
    assert "aiogram" in loaded and "sqlalchemy" in loaded
    assert not loaded & set(REPORT_LIBRARIES)


def test_the_first_chart_and_workbook_load_them_when_needed() -> None:
    script = _START.replace(
        "print(",
        "from bot.ui import charts\n"
        "from bot.services import task_table\n"
        "charts._figure()\n"
        "task_table.workbook([('t', [['a'], [1]])], rtl=False)\n"
        "print(",
    )
    loaded = _loaded_after(script)
    assert {"matplotlib", "openpyxl"} <= loaded
