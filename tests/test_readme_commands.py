"""Every command the generated README shows runs as written, in the README's order: on
a fresh bake, and on a bake whose data the README's own adopt commands replaced by a
table of the test's.

The commands are read from the baked README itself (each line of a console block, and
each code span in its prose that is a whole `make`, `uv` or `export` command), so a
command added to it is run here without a test to update. The few that cannot run on
this machine are named below with the reason; everything else must exit 0, on a machine
whose PATH has no uv (the README's `export` line puts the one make bootstrapped on it).
"""

import csv
import fcntl
import json
import os
import random
import re
import signal
import subprocess
import tempfile
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import DEFAULT_MODULE
from conftest import bake
from conftest import without_uv

pytestmark = pytest.mark.slow

CONSOLE_BLOCK = re.compile(r"(?ms)^```console\n(.*?)^```\n")
# A code span in prose that is a command, not the name of a tool.
INLINE_COMMAND = re.compile(r"`((?:make|uv|export) [^`]+)`")
COMMENT = re.compile(r"\s+#\s.*$")
# Files the README's commands name as the reader's own: written by the test.
TABLE = Path("path") / "to" / "table.csv"
LABELLED = Path("path") / "to" / "labelled.csv"
STOPPED = "stopped the What-If page"
NOT_HERE = "needs GitHub, which this machine cannot reach"
UPDATES = "reads the org's template on GitHub (test_standard_updates.py: a local one)"
SKIPPED: dict[str, str] = {
    "git push -u origin main": NOT_HERE,
    "make protect": f"sets branch protection through GitHub's API: {NOT_HERE}",
    "make standard-check": UPDATES,
    "make standard-update": UPDATES,
    "uv python install 3.11": f"downloads a Python build: {NOT_HERE}",
    "make adopt": "names the target; the adopt block runs it with DATA and LABEL",
}
# Commands of the bake alone: a repository has one origin, and these benchmarks read
# scikit-learn's tables or resample the bundled sample, whatever the config's data.
ONCE = (
    "git remote add origin ",
    "uv run python benchmarks/bench_drift_noise.py",
    "uv run python benchmarks/bench_validation.py ",
)
# A gate's verdict, not a failure: a candidate worse than production on this table
# (exit 1, as the README says), e.g. `make tune`'s parameters on a small one.
GATE_REFUSED = "\nrefused: production unchanged"
MAKE_OR_COMMAND_FAILED = (1, 2)  # the command's exit 1; make's 2 for a failed recipe
# Refusals the README states, with the line that says so.
REFUSED: dict[str, tuple[int, str]] = {
    "make schema": (2, "a schema exists and is reviewed like code; pass --force"),
}


def shown_commands(readme: str) -> list[str]:
    """The README's commands in reading order, each once, comments cut."""
    commands: list[str] = []
    prose_and_blocks = CONSOLE_BLOCK.split(readme)
    for index, text in enumerate(prose_and_blocks):
        if index % 2:
            found = [COMMENT.sub("", line).strip() for line in text.splitlines()]
        else:
            spans = INLINE_COMMAND.findall(text.replace("\n", " "))
            found = [" ".join(span.split()) for span in spans]
        for command in found:
            if command and command not in commands:
                commands.append(command)
    return commands


def reader_environment() -> dict[str, str]:
    """A reader's shell: no uv on PATH, and a git identity for the first commit."""
    environment = without_uv()
    for role in ("AUTHOR", "COMMITTER"):
        environment[f"GIT_{role}_NAME"] = "Reader"
        environment[f"GIT_{role}_EMAIL"] = "reader@example.org"
    return environment


def script(commands: list[str], command: str) -> str:
    """The command as typed in a shell that ran the README's exports above it."""
    position = commands.index(command)
    exports = [shown for shown in commands[:position] if shown.startswith("export ")]
    return "\n".join([*exports, command])


def run_shown(project: Path, commands: list[str], command: str) -> str:
    """One command, as written; its output, after checking its exit code."""
    if " whatif" in command:
        return serve(project, script(commands, command))
    started = time.monotonic()
    completed = subprocess.run(
        ["bash", "-c", script(commands, command)],
        cwd=project,
        env=reader_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=900,
        check=False,
    )
    output = completed.stdout
    print(f"{time.monotonic() - started:6.1f} s  {command}")
    code, message = REFUSED.get(command, (0, ""))
    if completed.returncode in MAKE_OR_COMMAND_FAILED and GATE_REFUSED in output:
        code, message = completed.returncode, GATE_REFUSED
    assert completed.returncode == code, (command, output[-4000:])
    assert message in output and "Traceback" not in output, (command, output[-4000:])
    return output


@contextmanager
def ports_held() -> Iterator[None]:
    """The README's fixed ports, for one test process at a time."""
    lock = Path(tempfile.gettempdir()) / "readme-commands-ports.lock"
    with lock.open("w") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        yield


def serve(project: Path, typed: str) -> str:
    """A page that serves until Ctrl-C: once it says where, the terminal's Ctrl-C (a
    SIGINT to the process group) must stop it with its one line and nothing else:
    the page exits 0, and `uv run`, make and the shell report the interrupt as their
    own exit status (130, or death by SIGINT), which a terminal shows as no line."""
    with ports_held():
        server = subprocess.Popen(
            ["bash", "-c", typed],
            cwd=project,
            env=reader_environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        output = until_address(server)
        os.killpg(server.pid, signal.SIGINT)
        output += server.communicate(timeout=120)[0]
    assert server.returncode in (0, 130, -signal.SIGINT), (typed, output[-4000:])
    assert output.rstrip().endswith(STOPPED), (typed, output[-4000:])
    assert "Traceback" not in output and "Interrupt" not in output, output[-4000:]
    return output


def until_address(server: "subprocess.Popen[str]") -> str:
    """The server's output up to the line naming its address (it fails the test if
    the server ends first)."""
    assert server.stdout is not None
    output = ""
    while "What-If page on http://" not in output:
        line = server.stdout.readline()
        assert line, output[-4000:]
        output += line
    return output


def write_rows(path: Path, rows: list[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def made_up_rows(count: int, seed: int) -> list[dict[str, object]]:
    """A table no one chose: two measurements, a site, and a whole-number label that
    depends on them (classification by default, regression when told)."""
    generator = random.Random(seed)
    rows: list[dict[str, object]] = []
    for _ in range(count):
        width = round(generator.uniform(1, 10), 2)
        height = round(generator.gauss(5, 2), 2)
        site = generator.choice(["north", "south", "east"])
        score = width + height / 2 + (site == "north") * 2 + generator.gauss(0, 1)
        rows.append(
            {
                "width": width,
                "height": height,
                "site": site,
                "column": min(2, max(0, int(score // 4))),
            }
        )
    return rows


def training_rows(project: Path) -> list[str]:
    """The lines of the table `[data] train` names (relative to the config)."""
    config_path = project / "configs" / "pipeline.toml"
    config = tomllib.loads(config_path.read_text(encoding="utf-8"))
    table = config_path.parent / str(config["data"]["train"])
    return table.read_text(encoding="utf-8").splitlines()


def adopts(command: str) -> bool:
    return command.startswith("make adopt ") or " adopt " in command


def runnable(commands: list[str], adopted: bool) -> list[str]:
    """What a pass runs, in the README's order: adopting is the passes' difference."""
    return [
        command
        for command in commands
        if command not in SKIPPED
        and not adopts(command)
        and not (adopted and command.startswith(ONCE))
    ]


def readme_commands(project: Path) -> list[str]:
    commands = shown_commands((project / "README.md").read_text(encoding="utf-8"))
    assert "git push -u origin main" in commands, commands  # a console block's
    assert "make pipeline NO_PROMOTE=1" in commands, commands  # a span in prose
    return commands


def sample_words(project: Path) -> set[str]:
    """What names the bundled sample: its files' names, columns and text values."""
    words: set[str] = set()
    for table in (project / "data" / "sample").glob("*.csv"):
        words.add(table.stem)
        with table.open(encoding="utf-8", newline="") as file:
            for row in csv.reader(file):
                words.update(cell for cell in row if re.fullmatch(r"[A-Za-z_]+", cell))
    return words - {"NA"}


def files_naming(project: Path, words: set[str]) -> dict[str, list[str]]:
    """Each committed file outside the sample's own (data/sample/, the smoke config)
    and the reader's (path/) that names one of the words, with the words it names."""
    pattern = re.compile(r"\b(" + "|".join(sorted(words)) + r")\b")
    listed = subprocess.run(
        ["git", "ls-files"], cwd=project, capture_output=True, text=True, check=True
    )
    own = ("data/sample/", ".github/smoke.toml", "path/")
    found: dict[str, list[str]] = {}
    for name in listed.stdout.splitlines():
        if not name.startswith(own):
            named = set(pattern.findall((project / name).read_text(encoding="utf-8")))
            if named:
                found[name] = sorted(named)
    return found


def test_every_readme_command_runs_as_written_on_a_fresh_bake(tmp_path: Path) -> None:
    project = bake(tmp_path)
    commands = readme_commands(project)
    labelled = project / LABELLED
    labelled.parent.mkdir(parents=True)
    labelled.write_text("\n".join(training_rows(project)[:61]) + "\n", "utf-8")

    output = {
        command: run_shown(project, commands, command)
        for command in runnable(commands, adopted=False)
    }

    assert "promoted to production" in output["make pipeline"]
    assert "Contracts: 2 kept, 0 broken." in output["make check"]
    assert "Required test coverage of 90.0% reached" in output["make check"]
    predictions = (project / "predictions.csv").read_text(encoding="utf-8")
    assert len(predictions.splitlines()) == 11, predictions
    assert "on 60 labelled rows" in output[f"make score ROWS={LABELLED}"]
    assert_tuned_then_untuned(project, output)


def assert_tuned_then_untuned(project: Path, output: dict[str, str]) -> None:
    """`make tune` searched the config's 20 trials, the next run trained its best
    and recorded the study, `tune --trials 25` resumed it at its 21st trial, and
    UNTUNED=1 trained [model.params] with no study behind it."""
    searched = output["make tune"]
    assert re.search(r"^trial 20 of 20 \(\d+ of 600 s\): #19 log_loss ", searched, re.M)
    best = re.search(r"best: trial #(\d+) of study (tune-\w+) \(", searched)
    assert best is not None and "importance " in searched, searched
    module = f"uv run python -m {DEFAULT_MODULE}"
    trained = output[f"{module} run --config configs/pipeline.toml"]
    assert f"tuned: trial #{best[1]} of study {best[2]}" in trained
    tuning = record(project, trained)["tuning"]
    assert (tuning["study"], tuning["trial"]) == (best[2], int(best[1]))
    assert len(tuning["trials"]) == 20 and tuning["cv_score"] > 0
    page = project / "runs" / run_of(trained) / "evaluation.html"
    assert "<h2>Hyperparameter search</h2>" in page.read_text(encoding="utf-8")
    resumed = output[f"{module} tune --trials 25 --timeout 600"]
    assert re.search(r"^trial 21 of 25 \(\d+ of 600 s\): #20 ", resumed, re.M)
    untuned = output["make pipeline UNTUNED=1"]
    assert "tuned:" not in untuned and record(project, untuned)["tuning"] is None


def run_of(printed: str) -> str:
    found = re.search(r"^run (\S+)$", printed, re.M)
    assert found is not None, printed[-4000:]
    return found[1]


def record(project: Path, printed: str) -> dict[str, Any]:
    """The record of the run whose output this is."""
    path = project / "runs" / run_of(printed) / "record.json"
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def test_every_readme_command_runs_as_written_after_the_readmes_adopt(
    tmp_path: Path,
) -> None:
    """The README's adopt commands make a table of the test's the project's data (a
    classification, then a regression); then every other command runs on it, and no
    file but the sample's own names the sample any more."""
    project = bake(tmp_path)
    commands = readme_commands(project)
    write_rows(project / TABLE, made_up_rows(240, seed=1))
    write_rows(project / LABELLED, made_up_rows(60, seed=2))

    adopted = [run_shown(project, commands, c) for c in commands if adopts(c)]
    assert len(adopted) == 2, adopted
    assert "task: classification," in adopted[0], adopted[0]
    assert "task: regression," in adopted[1], adopted[1]
    output = {
        command: run_shown(project, commands, command)
        for command in runnable(commands, adopted=True)
    }

    assert "promoted to production" in output["make pipeline"]
    assert "on 60 labelled rows" in output[f"make score ROWS={LABELLED}"]
    assert not files_naming(project, sample_words(project))
