"""Where one repository stands against the newest release of the standard.

The verdict comes from the same script a repository runs as `make standard-check`
(the template's own copy, so every repository is judged by the newest rules): the
repository's release and the target release rendered with its answers, standard files
compared. The fleet adds only what a platform team asks beside it: coverage onboarding.
"""

import json
import subprocess
import sys
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parents[1]
CHECKER = TEMPLATE / "{{cookiecutter.project_slug}}" / "scripts" / "standard_check.py"


@dataclass(frozen=True)
class Standing:
    """The verdict of standard_check.py, or the error that stopped it."""

    release: str = ""
    target: str = ""
    behind: bool = False
    changes: list[tuple[str, str]] = field(default_factory=list)  # (path, how)
    error: str = ""

    @property
    def files(self) -> list[str]:
        return [f"{path} ({how})" for path, how in self.changes]


def standing(checkout: Path, target: str | None, template: Path | None) -> Standing:
    """The verdict; `template`, a clone of the repository's template, is read instead
    of cloning it again (None: the checker clones it, and says why it cannot)."""
    command = [sys.executable, str(CHECKER), "--project", str(checkout), "--json"]
    if target:
        command += ["--release", target]
    if template is not None:
        command += ["--template-clone", str(template)]
    checked = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        verdict = json.loads(checked.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        lines = checked.stderr.strip().splitlines() or ["no output"]
        return Standing(error=f"standard check failed: {lines[-1]}")
    if "error" in verdict:
        return Standing(error=str(verdict["error"]))
    changes = [(item["path"], item["change"]) for item in verdict["files"]]
    return Standing(verdict["release"], verdict["newest"], verdict["behind"], changes)


def coverage_service(checkout: Path) -> str:
    """The coverage service the repository was baked with (its cruft record), and
    whether its ci.yml still calls the standard's upload: onboarding, as CI runs it."""
    try:
        record = json.loads((checkout / ".cruft.json").read_text(encoding="utf-8"))
        service = str(record["context"]["cookiecutter"].get("coverage_service", ""))
    except (OSError, ValueError, KeyError, TypeError):
        return "unknown"
    if service in ("", "none"):
        return service or "unknown"
    ci = checkout / ".github" / "workflows" / "ci.yml"
    calls = ci.is_file() and "research-coverage.yml@" in ci.read_text(encoding="utf-8")
    return service if calls else f"{service} (no upload in ci.yml)"
