"""Documentation cannot fall behind: every command, option and setting is documented."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer

from lantian import config
from lantian.cli.main import app

REPO = Path(__file__).resolve().parents[2]


def _commands(group: Any, prefix: str = "lantian") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for name, cmd in group.commands.items():
        path = f"{prefix} {name}"
        if hasattr(cmd, "commands"):  # a group
            out.extend(_commands(cmd, path))
        else:
            out.append((path, cmd))
    return out


COMMANDS = _commands(typer.main.get_group(app))


def test_there_are_commands() -> None:
    names = {name for name, _ in COMMANDS}
    assert {"lantian plans import", "lantian plans parse", "lantian tasks list", "lantian demo"} <= names


def test_every_command_takes_data_dir_and_database_url() -> None:
    for name, cmd in COMMANDS:
        opts = {opt for param in cmd.params for opt in getattr(param, "opts", [])}
        assert {"--data-dir", "--database-url"} <= opts, name


def test_every_command_and_option_is_in_docs_cli() -> None:
    doc = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    for name, cmd in COMMANDS:
        assert f"`{name}" in doc, f"{name} is not documented in docs/cli.md"
        for param in cmd.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and opt not in ("--help",):
                    assert opt in doc, f"{name} {opt} is not documented in docs/cli.md"


def test_every_setting_is_in_docs_settings() -> None:
    doc = (REPO / "docs" / "settings.md").read_text(encoding="utf-8")
    env_vars = {v for k, v in vars(config).items() if k.startswith("ENV_")}
    env_vars |= set(re.findall(r"LANTIAN_[A-Z_]+", (REPO / "src" / "lantian" / "services" / "demo.py").read_text()))
    assert env_vars
    for var in env_vars:
        assert var in doc, f"{var} is not documented in docs/settings.md"


def test_readme_has_the_two_commands_and_ci_runs_the_second() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(?:bash|sh)\n(.*?)```", readme, re.S)
    assert len(blocks) >= 2
    first, second = blocks[0].strip(), blocks[1].strip()
    assert "scripts/setup" in first and "demo" in first
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert second in ci, "the README's second command must be what .ci/run runs"
