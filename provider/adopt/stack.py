"""The stack `courseware adopt` writes into: its file, and its platform settings."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from provider.errors import AdoptError
from provider.settings import PlatformSettings, settings_from_config


@dataclass(frozen=True)
class StackLocation:
    """A stack of the project in `project_dir`, its stack file and program directory."""

    project_dir: Path
    stack: str
    stack_file: Path
    program_dir: Path


def _pulumi(argv: list[str], cwd: Path) -> str:
    done = subprocess.run(
        ["pulumi", *argv, "--non-interactive"],
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if done.returncode != 0:
        raise AdoptError(f"`pulumi {' '.join(argv)}` failed (exit {done.returncode}): {done.stderr.strip()}")
    return done.stdout


def locate_stack(stack: str | None, cwd: Path) -> StackLocation:
    """The project of `cwd` (or a parent) and the file of `stack` (default: the selected one)."""
    project = next((d for d in (cwd, *cwd.parents) if (d / "Pulumi.yaml").exists()), None)
    if project is None:
        raise AdoptError(f"no Pulumi.yaml in {cwd} or above: run this in the project")
    settings = yaml.safe_load((project / "Pulumi.yaml").read_text()) or {}
    name = stack or _pulumi(["stack", "--show-name"], project).strip()
    config_dir = project / str(settings.get("stackConfigDir") or ".")
    return StackLocation(
        project, name, config_dir / f"Pulumi.{name}.yaml", (project / str(settings.get("main") or ".")).resolve()
    )


def stack_settings(location: StackLocation) -> PlatformSettings:
    """The stack's platform settings, secrets decrypted by `pulumi config --show-secrets`."""
    raw = json.loads(_pulumi(["config", "--show-secrets", "--json", "--stack", location.stack], location.project_dir))
    values = {key: item.get("value") for key, item in raw.items() if isinstance(item, dict)}
    return settings_from_config(values)
