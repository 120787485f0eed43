"""Documentation keeps up with the code: every setting, command and API path is described.

Datasette's habit: a test that fails when something a deployer or integrator can use is not
in docs/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def test_every_environment_variable_is_in_configuration_md():
    settings_source = (ROOT / "coproduce" / "settings.py").read_text(encoding="utf-8")
    names = set(
        re.findall(
            r'(?:environ(?:\.get)?\(|environ\[|env_(?:bool|list)\()\s*"([A-Z_]+)"', settings_source
        )
    )
    assert names, "settings.py reads no environment variable?"
    documented = _read("configuration.md")
    missing = sorted(name for name in names if f"`{name}`" not in documented)
    assert not missing, f"add these to docs/configuration.md: {missing}"


def test_every_management_command_is_in_operations_md():
    commands = sorted(
        path.stem
        for path in (ROOT / "coproduce").glob("*/management/commands/*.py")
        if not path.stem.startswith("_")
    )
    assert "demo_build" in commands
    documented = _read("operations.md")
    missing = [command for command in commands if f"`{command}" not in documented]
    assert not missing, f"add these commands to docs/operations.md: {missing}"


@pytest.mark.django_db
def test_every_api_path_is_in_api_md():
    schema = Client().get("/api/v1/openapi.json").json()
    documented = _read("api.md")
    missing = []
    for path, operations in schema["paths"].items():
        for method in operations:
            if f"{method.upper()} {path}" not in documented:
                missing.append(f"{method.upper()} {path}")
    assert not missing, "add these endpoints to docs/api.md:\n" + "\n".join(missing)


def test_readme_quick_start_has_exactly_two_commands_and_ci_runs_the_second():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(?:sh|bash)?\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1
    commands = [line for line in blocks[0].splitlines() if line.strip()]
    assert len(commands) == 2
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci
