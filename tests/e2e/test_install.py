"""The bot as an operator installs it: `pip install .` (not editable) into a fresh virtual
environment, then `python -m bot` started from a directory that holds no sources, talking to
the fake Bot API. Texts, plan templates, holidays and migrations must all come from the
installed package.

To stay fast, the fresh environment borrows the test environment's dependencies through a
`.pth` file instead of downloading them again; the bot itself is built into a wheel from a
copy of the sources and installed into the fresh environment's own site-packages, which the
tests check.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import venv
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.domain.templates import load_shipped
from bot.i18n import load_catalog
from tests.conftest import ADMIN, ALI, TOKEN
from tests.fakebot import FakeBotAPI

REPO = Path(__file__).resolve().parents[2]
# What `pip install .` needs from a checkout; everything else stays behind.
SOURCES = ("bot", "scheduler", "pyproject.toml", "README.md")
_TAG = re.compile(r"</?(?:b|i|u|code)>")


@dataclass(frozen=True)
class InstalledBot:
    python: Path
    site_packages: Path

    def env(self, **values: str) -> dict[str, str]:
        """The environment of an operator's shell: no PYTHONPATH into the checkout."""
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("PYTHONPATH", "BOT_TOKEN", "DATABASE_URL", "REDIS_URL", "VIRTUAL_ENV")
        }
        env.update(values)
        return env


def _site_packages(environment: Path) -> Path:
    found = sorted(environment.glob("lib/python*/site-packages"))
    assert len(found) == 1, found
    return found[0]


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> InstalledBot:
    root = tmp_path_factory.mktemp("install")
    source = root / "source"
    source.mkdir()
    for name in SOURCES:
        origin = REPO / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(origin, source / name)

    environment = root / "venv"
    venv.EnvBuilder(with_pip=False).create(environment)
    python = environment / "bin" / "python"
    site_packages = _site_packages(environment)
    # The dependencies, already installed for the tests: a path entry, not a site directory,
    # so that the test environment's editable hook for `bot` is never run.
    paths = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site_packages / "borrowed_dependencies.pth").write_text("\n".join(sorted(paths)) + "\n")

    built = subprocess.run(
        [
            sys.executable, "-m", "pip", "--python", str(python), "install",
            "--no-deps", "--quiet", "--disable-pip-version-check", str(source),
        ],
        cwd=root, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    return InstalledBot(python=python, site_packages=site_packages)


def test_the_installed_package_is_a_real_copy_not_the_checkout(
    installed: InstalledBot, tmp_path: Path
) -> None:
    probe = subprocess.run(
        [
            str(installed.python), "-c",
            "import json, bot, importlib.metadata as m; d = m.distribution('cluster-bot');"
            "print(json.dumps([bot.__file__, d.read_text('direct_url.json')]))",
        ],
        cwd=tmp_path, env=installed.env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert probe.returncode == 0, probe.stderr
    module_file, direct_url = json.loads(probe.stdout)
    assert Path(module_file).is_relative_to(installed.site_packages)
    assert not Path(module_file).is_relative_to(REPO)
    assert json.loads(direct_url or "{}").get("dir_info", {}).get("editable") is not True
    # The data files are inside the installed package, next to its modules.
    package = installed.site_packages / "bot"
    assert sorted(p.name for p in (package / "locales" / "fa").glob("*.toml")) == sorted(
        p.name for p in (REPO / "bot" / "locales" / "fa").glob("*.toml")
    )
    assert (package / "templates" / "README.md").is_file()
    assert (package / "storage" / "migrations" / "env.py").is_file()


def test_template_list_on_a_fresh_database_shows_the_shipped_templates(
    installed: InstalledBot, tmp_path: Path
) -> None:
    # Given an operator who has just installed the bot, when she lists the plan templates
    # from her home directory before ever starting it, then she sees the shipped ones.
    listed = subprocess.run(
        [str(installed.python), "-m", "bot", "template", "list"],
        cwd=tmp_path,
        env=installed.env(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    expected = sorted(f"{t.code}\t{t.kind}\t{len(t.items)} items\t{t.name}" for t in load_shipped())
    assert listed.stdout.splitlines() == expected
    assert len(expected) >= 2


async def test_the_installed_bot_answers_start_and_help(
    installed: InstalledBot, fake_api: FakeBotAPI, tmp_path: Path
) -> None:
    # Given the installed bot started from an empty directory with a fresh SQLite database,
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    env = installed.env(
        BOT_TOKEN=TOKEN,
        BOT_API_URL=fake_api.base_url,
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        ADMIN_IDS=str(ADMIN.id),
        POLLING_TIMEOUT="1",
    )
    process = await asyncio.create_subprocess_exec(
        str(installed.python), "-m", "bot",
        cwd=workdir, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    texts = load_catalog("fa")
    try:
        # when a newcomer sends /start, then he is welcomed and asked for his language,
        fake_api.text(ALI, "/start")
        # Start-up (imports, migrations on a fresh file) is slow on a busy machine.
        asked = await fake_api.wait_for_message(
            ALI.id, lambda m: m.plain() == texts["registration.ask_language"], timeout=60
        )
        assert asked.button("فارسی")
        assert fake_api.messages_to(ALI.id)[0].plain() == texts["registration.welcome"]
        # and when he sends /help, then he is told what a visitor can do.
        since = asked.message_id
        fake_api.text(ALI, "/help")
        help_ = await fake_api.wait_for_message(ALI.id, lambda m: m.message_id > since, timeout=20)
        assert help_.plain() == _TAG.sub("", texts["help.visitor"])
        assert not fake_api.errors(), fake_api.errors()
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)

    log = stderr.decode()
    assert process.returncode == 0, log
    assert "Start polling" in log
    assert TOKEN.split(":")[1] not in log
    # Nothing was read from, or written to, the directory it was started in.
    assert list(workdir.iterdir()) == []
