"""The fleet tool's time, as the platform team meets it: `python -m fleet report` over
five repositories (four baked at v1.0.0 of a local template copy, one unreachable), and
`python -m fleet update` per repository behind v1.1.0. Also the size of a generated
ci.yml. With `--repos N`, also `report` and `update` (default --jobs) over N
repositories behind (the four bakes, cloned as more repositories). Figures to report,
never a test that can flake.
Usage: uv run python benchmarks/bench_fleet.py [RUNS] [--repos N]
"""

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parents[1]
CRUFT = str(Path(sys.executable).parent / "cruft")
IDENTITY = ["-c", "user.name=bench", "-c", "user.email=bench@localhost"]


def git(cwd: Path, *arguments: str) -> None:
    subprocess.run(["git", *arguments], cwd=cwd, check=True, capture_output=True)


def commit_all(cwd: Path, message: str) -> None:
    git(cwd, "add", "-A")
    git(cwd, *IDENTITY, "commit", "-qm", message)


def template_copy(into: Path) -> Path:
    """The template's tracked files as a fresh repository, released as v1.0.0."""
    listed = subprocess.run(
        ["git", "ls-files"], cwd=TEMPLATE, capture_output=True, text=True, check=True
    )
    for name in listed.stdout.splitlines():
        if (TEMPLATE / name).is_file():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(TEMPLATE / name, into / name)
    git(into, "init", "-q")
    write_entry(into, "v1.0.0", "First.")
    commit_all(into, "A")
    fleet_seconds("release", "1.0.0", "--template", str(into))
    return into


def write_entry(template: Path, tag: str, notes: str) -> None:
    """The release's CHANGELOG.md entry, with what "Unreleased" held moved under it."""
    changelog = template / "CHANGELOG.md"
    text = changelog.read_text(encoding="utf-8")
    unreleased = (
        "## Unreleased\n\nRename this heading to the next version when releasing it.\n"
    )
    if unreleased in text:
        text = text.replace(unreleased, f"## {tag}\n\n{notes}\n", 1)
    else:
        head, _, rest = text.partition("\n## ")
        text = f"{head}\n## {tag}\n\n{notes}\n\n## {rest}"
    changelog.write_text(text, encoding="utf-8")


def next_release(template: Path) -> None:
    """v1.1.0: a standard file changes."""
    flake8 = template / "{{cookiecutter.project_slug}}" / ".flake8"
    text = flake8.read_text(encoding="utf-8")
    flake8.write_text(text.replace("max-line-length = 88", "max-line-length = 90"))
    write_entry(template, "v1.1.0", "flake8: 90 columns.")
    commit_all(template, "B")
    fleet_seconds("release", "1.1.0", "--template", str(template))


def bake(template: Path, into: Path, slug: str) -> Path:
    into.mkdir()
    context = json.dumps({"project_name": slug})
    subprocess.run(
        [CRUFT, "create", str(template), "--checkout", "v1.0.0", "--no-input"]
        + ["--extra-context", context],
        cwd=into,
        check=True,
        capture_output=True,
    )
    (project,) = into.iterdir()
    commit_all(project, "Bake")
    return project


def fleet_seconds(*arguments: str) -> float:
    """`python -m fleet ...` from the template, timed; a failure stops the benchmark,
    except update's exit 1 (some repository failed), which is part of what is timed."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "fleet", *arguments],
        cwd=TEMPLATE,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode not in (0, 1):
        sys.exit(f"fleet {arguments[0]} failed: {done.stderr.strip()}")
    return time.perf_counter() - started


def fleet_of(repositories: list[Path], count: int, root: Path) -> list[str]:
    """`count` repositories, each a clone of one of the bakes (its own origin)."""
    root.mkdir()
    entries = []
    for index in range(count):
        source = repositories[index % len(repositories)]
        copy = root / f"c{index}" / source.name
        git(root, "clone", "-q", str(source), str(copy))
        entries.append(str(copy))
    return entries


def at_scale(repositories: list[Path], count: int, root: Path) -> None:
    entries = fleet_of(repositories, count, root)
    reported = fleet_seconds("report", *entries)
    print(f"report of {count} repositories (default --jobs): {reported:.2f} s")
    out = str(root / "prs-scale")
    updated = fleet_seconds("update", *entries, "--out", out)
    print(f"update of {count} repositories (default --jobs): {updated:.2f} s")


def main(runs: int, scale: int = 0) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        (root / "template").mkdir()
        template = template_copy(root / "template")
        repositories = [
            bake(template, root / f"r{index}", f"Repo {index}") for index in range(4)
        ]
        ci = repositories[0] / ".github" / "workflows" / "ci.yml"
        print(f"generated ci.yml: {len(ci.read_bytes())} bytes")
        next_release(template)
        entries = [str(path) for path in repositories] + [str(root / "gone")]
        reports = [fleet_seconds("report", *entries) for _ in range(runs)]
        for number, seconds in enumerate(reports, start=1):
            print(
                f"report of {len(entries)} repositories, run {number}: {seconds:.2f} s"
            )
        print(f"report median of {runs}: {statistics.median(reports):.2f} s")
        out = str(root / "prs")
        updated = fleet_seconds("update", *entries[:4], "--out", out, "--jobs", "1")
        print(f"update of 4 repositories, one at a time: {updated:.2f} s")
        print(f"update per repository: {updated / 4:.2f} s")
        if scale:
            at_scale(repositories, scale, root / "scale")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    scale = 0
    if "--repos" in arguments:
        at = arguments.index("--repos")
        scale = int(arguments[at + 1])
        del arguments[at : at + 2]
    main(int(arguments[0]) if arguments else 3, scale)
