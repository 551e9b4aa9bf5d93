"""Hostile input, as a new user brings it: every command and config value of a baked
project, fed bad files, bad arguments, bad config values and broken model states.

Bakes the template, installs the project and runs `make pipeline` once so there is a
production model, then runs each case in a fresh copy of that project (the copy
shares the baked .venv through a link; the make targets get a whole copy, since
`uv sync` repoints the editable install at the copy). Each case says whether it must
be refused or handled, and its outcome is one of:

  clear      refused (exit 1, 2 or 130) with a message and no traceback
  handled    exit 0 where the input is fine
  traceback  "Traceback" in the output, or an exit code not in {0, 1, 2, 130}
  silent     exit 0 where the input is bad and should have been refused
  damaged    production changed where it must not, or a half-written file, a
             .production.next, an empty release folder or a release without its
             record was left behind
  hang       still running after the case's time limit
  over-refused  a good input refused (clearly); not a defect of the guards, listed

A figure to report, never a test: the counts of traceback, silent and damaged should
be 0. Usage: uv run python benchmarks/sweep_hostile_input.py [--template PATH]
[--only SUBSTRING] [--keep] [--json PATH]
"""

import argparse
import csv
import hashlib
import io
import json
import math
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

TEMPLATE = Path(__file__).resolve().parents[1]
MODULE = "penguin_research"
SLUG = "penguin-research"
CASE_SECONDS = 180
OK_CODES = {0, 1, 2, 130}
REFUSED_CODES = {1, 2, 130}
LONGEST_CLEAR_LINE = 1000
SKIP_DIRS = {".venv", ".tools", ".git", "__pycache__", ".mypy_cache"}
MISSING = object()  # a config key to delete

Setup = Callable[[Path], None]
Config = dict[str, Any]


@dataclass(frozen=True)
class Case:
    """One hostile input: how to break a fresh project copy, and what to run on it."""

    name: str
    argv: tuple[str, ...]  # after `python -m <module>`, or ("make", target, ...)
    expect: str  # "refuse", "ok" or "any" (either, as long as it is clean)
    setup: Setup | None = None
    may_promote: bool = False  # the command may move models/production
    writes_project: bool = False  # the command may rewrite configs/ and schema/
    must_say: str | None = None  # an exit 0 must print this (regex), else silent
    chain: str | None = None  # cases of one chain share one copy, in order
    interrupt_after: float | None = None  # send SIGINT after these seconds
    twice: bool = False  # run two of the command at once


@dataclass
class Outcome:
    case: Case
    verdict: str
    code: int
    seconds: float
    output: str
    damage: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- the base project


def run_quiet(argv: list[str], cwd: Path, seconds: int = 900) -> None:
    done = subprocess.run(
        argv, cwd=cwd, capture_output=True, text=True, timeout=seconds, check=False
    )
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")


def uv_path() -> str:
    """The template's pinned uv, so the baked project bootstraps no tools of its own."""
    beside = Path(sys.executable).parent / "uv"
    found = shutil.which("uv")
    return str(beside) if beside.exists() else found or "uv"


def bake(template: Path, workdir: Path) -> Path:
    run_quiet(
        [sys.executable, "-m", "cookiecutter", "--no-input", str(template)]
        + ["-o", str(workdir)],
        workdir,
    )
    project = workdir / SLUG
    run_quiet(["make", "install", f"UV={uv_path()}"], project)
    run_quiet(["make", "pipeline", f"UV={uv_path()}"], project)
    write_hostile_files(project)
    return project


# ---------------------------------------------------------------- hostile tables


def read_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as stream:
        return list(csv.reader(stream))


def as_csv(rows: list[list[str]], delimiter: str = ",", newline: str = "\n") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return buffer.getvalue()


def with_value(
    rows: list[list[str]], column: str, value: str, where: int = 1
) -> list[list[str]]:
    """A copy with one cell (row `where`, counted from the first data row) changed."""
    changed = [list(row) for row in rows]
    changed[where][rows[0].index(column)] = value
    return changed


def without(rows: list[list[str]], column: str) -> list[list[str]]:
    index = rows[0].index(column)
    return [row[:index] + row[index + 1 :] for row in rows]


def with_column(
    rows: list[list[str]], name: str, values: Callable[[int], str]
) -> list[list[str]]:
    return [rows[0] + [name]] + [row + [values(i)] for i, row in enumerate(rows[1:])]


def blank_table(rows: list[list[str]]) -> list[list[str]]:
    """A real table's shape: most numeric columns mostly blank, one all blank."""
    chance = random.Random(0)
    header = rows[0]
    numeric = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm"]
    out = [header + [f"extra_{i}" for i in range(8)] + ["all_blank", "constant"]]
    for row in rows[1:]:
        kept = [
            "" if header[i] in numeric and chance.random() < 0.8 else cell
            for i, cell in enumerate(row)
        ]
        extras = [
            f"{chance.gauss(0, 1):.4f}" if chance.random() < 0.1 else ""
            for _ in range(8)
        ]
        out.append(kept + extras + ["", "1"])
    return out


def tables(train: list[list[str]], serving: list[list[str]]) -> dict[str, bytes]:
    """Every hostile table, by file name; t_ ones have the label, s_ ones do not."""
    text: dict[str, str] = {}
    for prefix, rows, label in (("t", train, True), ("s", serving, False)):
        column = "body_mass_g"
        header_line = as_csv(rows[:1])
        text.update(
            {
                f"{prefix}_empty.csv": "",
                f"{prefix}_header_only.csv": header_line,
                f"{prefix}_semicolon.csv": as_csv(rows, delimiter=";"),
                f"{prefix}_tab.csv": as_csv(rows, delimiter="\t"),
                f"{prefix}_text_in_number.csv": as_csv(
                    with_value(rows, column, "heavy")
                ),
                f"{prefix}_1e300.csv": as_csv(with_value(rows, column, "1e300")),
                f"{prefix}_minus_1e300.csv": as_csv(with_value(rows, column, "-1e300")),
                f"{prefix}_1e30.csv": as_csv(with_value(rows, column, "1e30")),
                f"{prefix}_inf.csv": as_csv(with_value(rows, column, "inf")),
                f"{prefix}_minus_inf.csv": as_csv(with_value(rows, column, "-inf")),
                f"{prefix}_nan_text.csv": as_csv(with_value(rows, column, "NaN")),
                f"{prefix}_unknown_category.csv": as_csv(
                    with_value(rows, "island", "Atlantis")
                ),
                f"{prefix}_unicode.csv": as_csv(
                    with_value(rows, "island", "Bíscoe \U0001f427 \u202e")
                ),
                f"{prefix}_missing_column.csv": as_csv(without(rows, "sex")),
                f"{prefix}_extra_column.csv": as_csv(
                    with_column(rows, "colour", lambda i: "blue")
                ),
                f"{prefix}_two_rows.csv": as_csv(rows[:3]),
                f"{prefix}_duplicate_column.csv": as_csv(
                    [row + [row[rows[0].index(column)]] for row in rows]
                ),
                f"{prefix}_ragged.csv": as_csv(rows[:3])
                + "1,2,3,4,5,6,7,8,9,10,11\n"
                + as_csv(rows[3:]),
                f"{prefix}_crlf.csv": as_csv(rows, newline="\r\n"),
                f"{prefix}_bom.csv": "\ufeff" + as_csv(rows),
                f"{prefix}_shuffled_columns.csv": as_csv(
                    [list(reversed(row)) for row in rows]
                ),
                f"{prefix}_blank_row.csv": as_csv(rows[:2])
                + "," * (len(rows[0]) - 1)
                + "\n"
                + as_csv(rows[2:]),
            }
        )
        if label:
            text["t_no_label_column.csv"] = as_csv(without(rows, "species"))
            text["t_one_class.csv"] = as_csv(
                [rows[0]] + [r for r in rows[1:] if r[0] == rows[1][0]]
            )
            text["t_blank_labels.csv"] = as_csv(
                [rows[0]] + [[""] + r[1:] for r in rows[1:]]
            )
            text["t_numbers_as_label.csv"] = as_csv(
                [rows[0]] + [[str(i % 3)] + r[1:] for i, r in enumerate(rows[1:])]
            )
            text["t_blank_columns.csv"] = as_csv(blank_table(rows))
        else:
            label_rows = [["species"] + rows[0]] + [["Adelie"] + r for r in rows[1:]]
            text["s_with_label.csv"] = as_csv(label_rows)
    files = {name: body.encode("utf-8") for name, body in text.items()}
    binary = bytes(random.Random(1).randrange(256) for _ in range(4096))
    for prefix, rows in (("t", train), ("s", serving)):
        files[f"{prefix}_binary.csv"] = b"\x1f\x8b\x08\x00" + binary
        latin = as_csv(with_value(rows, "island", "Bíscoe")).encode("latin-1")
        files[f"{prefix}_latin1.csv"] = latin
    return files


def write_hostile_files(project: Path) -> None:
    folder = project / "hostile"
    folder.mkdir()
    train = read_rows(project / "data/sample/penguins.csv")
    serving = read_rows(project / "data/sample/new_penguins.csv")
    for name, body in tables(train, serving).items():
        (folder / name).write_bytes(body)
    (folder / "empty_dir").mkdir()
    (folder / "not_toml.toml").write_bytes(b"\x00\x01binary\xff")


# ---------------------------------------------------------------- config edits


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, (int, str)):
        return (
            json.dumps(value, ensure_ascii=False)
            if isinstance(value, str)
            else str(value)
        )
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        pairs = (f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items())
        return "{ " + ", ".join(pairs) + " }"
    raise TypeError(f"no TOML for {value!r}")


def toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def dump_toml(document: Config) -> str:
    """Top-level scalars, then one [table] per top-level table, values inline."""
    scalars = [f"{toml_key(k)} = {toml_value(v)}" for k, v in document.items()]
    lines = [line for line, v in zip(scalars, document.values()) if not is_table(v)]
    for key, value in document.items():
        if is_table(value):
            lines += ["", f"[{toml_key(key)}]"]
            lines += [f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()]
    return "\n".join(lines) + "\n"


def is_table(value: Any) -> bool:
    return isinstance(value, dict)


def config_path(project: Path) -> Path:
    return project / "configs/pipeline.toml"


def edit_config(changes: dict[str, Any]) -> Setup:
    """A setup that sets (or, with MISSING, deletes) dotted keys of the config;
    a number in the path indexes an array of tables."""

    def setup(project: Path) -> None:
        path = config_path(project)
        document = tomllib.loads(path.read_text(encoding="utf-8"))
        for dotted, value in changes.items():
            *parents, last = dotted.split(".")
            node: Any = document
            for part in parents:
                node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
            if value is MISSING:
                del node[last]
            elif isinstance(node, list):
                node[int(last)] = value
            else:
                node[last] = value
        path.write_text(dump_toml(document), encoding="utf-8")

    return setup


def config_text(text: str) -> Setup:
    def setup(project: Path) -> None:
        config_path(project).write_text(text, encoding="utf-8")

    return setup


def both(*setups: Setup) -> Setup:
    def setup(project: Path) -> None:
        for each in setups:
            each(project)

    return setup


# ---------------------------------------------------------------- model states


def production_dir(project: Path) -> Path:
    return project / "models/production"


def release_of(project: Path) -> Path:
    return (project / "models" / os.readlink(production_dir(project))).resolve()


def dangling_link(project: Path) -> None:
    shutil.rmtree(release_of(project))


def real_directory(project: Path) -> None:
    release = release_of(project)
    production_dir(project).unlink()
    shutil.copytree(release, production_dir(project))


def truncated_model(project: Path) -> None:
    model = release_of(project) / "model.joblib"
    model.write_bytes(model.read_bytes()[:200])


def empty_model(project: Path) -> None:
    (release_of(project) / "model.joblib").write_bytes(b"")


def foreign_model(project: Path) -> None:
    (release_of(project) / "model.joblib").write_bytes(b"\x80\x04K\x01.")  # pickle: 1


def production_file(project: Path) -> None:
    production_dir(project).unlink()
    production_dir(project).write_text("not a link\n")


def link_loop(project: Path) -> None:
    production_dir(project).unlink()
    production_dir(project).symlink_to("production")


def stale_next(project: Path) -> None:
    (project / "models/.production.next").symlink_to("nowhere")


def models_is_file(project: Path) -> None:
    shutil.rmtree(project / "models")
    (project / "models").write_text("oops\n")


def no_models(project: Path) -> None:
    shutil.rmtree(project / "models")


def lock_is_directory(project: Path) -> None:
    lock = project / "models/.lock"
    lock.unlink(missing_ok=True)
    lock.mkdir()


def first_run(project: Path) -> Path:
    return sorted(path for path in (project / "runs").iterdir() if path.is_dir())[0]


def corrupt_record(project: Path) -> None:
    record = first_run(project) / "record.json"
    record.write_text(record.read_text()[:40])


def empty_record(project: Path) -> None:
    (first_run(project) / "record.json").write_text("")


def record_is_list(project: Path) -> None:
    (first_run(project) / "record.json").write_text("[1, 2]\n")


def run_without_record(project: Path) -> None:
    (project / "runs/20000101T000000000000Z-deadbeef").mkdir()


def runs_is_file(project: Path) -> None:
    shutil.rmtree(project / "runs")
    (project / "runs").write_text("oops\n")


def candidate_link(project: Path) -> None:
    (project / "candidate").symlink_to(first_run(project))


def adopt_other_table(project: Path) -> None:
    """Adopt a regression of body_mass_g, then keep the old run as the candidate."""
    candidate_link(project)
    subprocess.run(
        [str(project / ".venv/bin/python"), "-m", MODULE, "adopt"]
        + ["data/sample/penguins.csv", "--label", "body_mass_g"],
        cwd=project,
        capture_output=True,
        check=True,
    )


def not_utf8_config(project: Path) -> None:
    config_path(project).write_bytes(b"seed = 1 # \xff\xfe\n")


def schema_text(text: str) -> Setup:
    def setup(project: Path) -> None:
        (project / "schema/schema.json").write_text(text)

    return setup


def no_schema(project: Path) -> None:
    (project / "schema/schema.json").unlink()


# ---------------------------------------------------------------- the cases

RUN = ("run", "--no-promote")
RUN_UNTUNED = ("run", "--no-promote", "--untuned")
TUNE = ("tune", "--trials", "1")
NAN, INF = float("nan"), float("inf")
RUN_ID = r"\d{8}T\d{6}"  # a corrupt record's run must be named, not left out


def data_cases() -> Iterator[Case]:
    """Each hostile table under the commands that read one: training tables under
    validate-data and run, serving rows under validate-data --env serving and predict.
    """
    refuse = [
        "missing",
        "empty",
        "header_only",
        "binary",
        "semicolon",
        "text_in_number",
        "1e300",
        "inf",
        "missing_column",
        "duplicate_column",
        "ragged",
    ]
    category = ["unknown_category", "unicode"]
    fine = ["bom", "1e30", "latin1", "extra_column"]
    cheap = ["missing", "empty", "binary", "ragged"]  # one reader: training covers it
    for kind in refuse + category + fine:
        expect = "refuse" if kind in refuse else "ok"
        expect = "any" if kind in ("latin1", "extra_column") else expect
        train, serving = table_path("t", kind), table_path("s", kind)
        bad_value = "refuse" if kind in category else expect
        yield Case(
            f"validate-data training {kind}", ("validate-data", train), bad_value
        )
        if kind not in cheap:
            yield Case(
                f"validate-data serving {kind}",
                ("validate-data", "--env", "serving", serving),
                bad_value,
            )
        if kind not in fine:
            yield Case(
                f"predict {kind}",
                ("predict", serving, "--output", "out.csv"),
                "any" if kind in category else expect,
            )
        if kind not in fine + ["header_only", "semicolon", "ragged"]:
            yield Case(
                f"run --no-promote train={kind}",
                RUN,
                "refuse",
                edit_config({"data.train": "../" + train}),
            )
        if kind in ADOPT_REFUSES or kind == "1e300":
            yield Case(
                f"adopt {kind}",
                ("adopt", train, "--label", "species"),
                "refuse" if kind in ADOPT_REFUSES else "any",
                may_promote=True,
                writes_project=True,
            )
    for kind, expect in [
        ("minus_1e300", "refuse"),
        ("minus_inf", "refuse"),
        ("tab", "refuse"),
        ("empty_dir", "refuse"),
        ("crlf", "ok"),
        ("nan_text", "any"),
        ("shuffled_columns", "ok"),
        ("blank_row", "any"),
    ]:
        yield Case(
            f"validate-data training {kind}",
            ("validate-data", table_path("t", kind)),
            expect,
        )
    for kind in ["binary", "1e300", "unicode"]:
        train, serving = table_path("t", kind), table_path("s", kind)
        expect = "refuse" if kind == "binary" else "any"
        yield Case(f"stats {kind}", ("stats", train), expect)
        yield Case(f"stats --rows {kind}", ("stats", "--rows", serving), expect)
        yield Case(
            f"infer-schema --force {kind}",
            ("infer-schema", train, "--force"),
            expect,
            writes_project=True,
        )
        yield Case(
            f"validate-data --baseline {kind}",
            ("validate-data", "data/sample/penguins.csv", "--baseline", train),
            expect,
        )
    for kind, expect in [
        ("no_label_column", "refuse"),
        ("one_class", "refuse"),
        ("blank_labels", "refuse"),
        ("two_rows", "refuse"),
        ("numbers_as_label", "any"),
    ]:
        train = table_path("t", kind)
        yield Case(
            f"validate-data training {kind}",
            ("validate-data", train),
            "any" if kind == "one_class" else expect,
        )
        yield Case(
            f"run --no-promote train={kind}",
            RUN,
            expect,
            edit_config({"data.train": "../" + train}),
        )
    for kind, expect in [("two_rows", "ok"), ("with_label", "any")]:
        serving = table_path("s", kind)
        yield Case(
            f"validate-data serving {kind}",
            ("validate-data", "--env", "serving", serving),
            expect,
        )
        yield Case(
            f"predict {kind}", ("predict", serving, "--output", "out.csv"), expect
        )


ADOPT_REFUSES = (
    "missing",
    "empty",
    "header_only",
    "binary",
    "semicolon",
    "tab",
    "ragged",
    "empty_dir",
    "duplicate_column",
)


def table_path(prefix: str, kind: str) -> str:
    if kind == "missing":
        return f"hostile/{prefix}_missing.csv"
    if kind == "empty_dir":
        return "hostile/empty_dir"
    return f"hostile/{prefix}_{kind}.csv"


def argument_cases() -> Iterator[Case]:
    refusals: list[tuple[str, tuple[str, ...]]] = [
        ("no command", ()),
        ("unknown command", ("train",)),
        ("--config missing", ("run", "--config", "configs/nope.toml")),
        ("--config a directory", ("runs", "--config", "configs")),
        ("--config binary", ("runs", "--config", "hostile/not_toml.toml")),
        ("predict --output a directory", ("predict", "--output", "data")),
        ("stats --output a directory", ("stats", "--output", "data")),
        ("tune --trials 0", ("tune", "--trials", "0")),
        ("tune --trials abc", ("tune", "--trials", "abc")),
        ("tune --timeout 0", ("tune", "--timeout", "0")),
        ("tune --timeout nan", ("tune", "--timeout", "nan")),
        ("evaluate without --candidate", ("evaluate",)),
        ("evaluate --candidate missing", ("evaluate", "--candidate", "runs/nope")),
        ("evaluate --candidate a file", ("evaluate", "--candidate", "README.md")),
        ("evaluate --candidate empty dir", ("evaluate", "--candidate", "hostile")),
        ("adopt without --label", ("adopt", "data/sample/penguins.csv")),
        (
            "adopt --label not a column",
            ("adopt", "data/sample/penguins.csv", "--label", "nope"),
        ),
        (
            "adopt --task bogus",
            ("adopt", "data/sample/penguins.csv", "--label", "species", "--task", "x"),
        ),
        (
            "adopt --task regression of text",
            (
                "adopt",
                "data/sample/penguins.csv",
                "--label",
                "species",
                "--task",
                "regression",
            ),
        ),
        (
            "validate-data --scheduler without dask",
            ("validate-data", "--scheduler", "tcp://127.0.0.1:1"),
        ),
        ("infer-schema over a schema", ("infer-schema",)),
        ("stats two missing tables", ("stats", "hostile/a.csv", "hostile/b.csv")),
    ]
    for name, argv in refusals:
        yield Case(name, argv, "refuse", writes_project=argv[:1] == ("adopt",))
    yield Case(
        "predict --output in a new folder",
        ("predict", "--output", "new/a.csv"),
        "ok",
    )
    yield Case(
        "validate-data --engine dask", ("validate-data", "--engine", "dask"), "any"
    )
    yield Case(
        "tune --timeout inf --trials 1",
        ("tune", "--trials", "1", "--timeout", "inf"),
        "any",
    )
    yield Case(
        "evaluate --candidate an earlier run",
        ("evaluate", "--candidate", "candidate"),
        "any",
        candidate_link,
    )
    yield Case(
        "evaluate --candidate truncated model",
        ("evaluate", "--candidate", "candidate"),
        "refuse",
        both(candidate_link, lambda p: truncate(first_run(p) / "model.joblib")),
    )
    yield Case(
        "validate-data --env serving without [data] serving",
        ("validate-data", "--env", "serving"),
        "refuse",
        edit_config({"data.serving": MISSING}),
    )
    yield Case(
        "predict without [data] serving",
        ("predict",),
        "refuse",
        edit_config({"data.serving": MISSING}),
    )


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:100])


def config_cases() -> Iterator[Case]:
    """Every config value made bad, under the command that uses it."""
    bad: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
        ("seed text", {"seed": "x"}, RUN),
        ("seed negative", {"seed": -1}, RUN),
        ("seed huge", {"seed": 2**63 - 1}, RUN),
        ("[data] train misspelt", {"data.train": "../data/sample/penguin.csv"}, RUN),
        (
            "[data] train misspelt, make pipeline's run",
            {"data.train": "../data/sample/penguin.csv"},
            ("run",),
        ),
        ("[data] train missing", {"data.train": MISSING}, RUN),
        ("[data] schema missing file", {"data.schema": "../schema/nope.json"}, RUN),
        ("[data] label not a column", {"data.label": "nope"}, RUN),
        ("[data] label a feature", {"data.label": "island"}, RUN),
        ("[data] serving misspelt", {"data.serving": "../nope.csv"}, ("predict",)),
        ("[split] test_fraction 0", {"split.test_fraction": 0}, RUN),
        ("[split] test_fraction nan", {"split.test_fraction": NAN}, RUN),
        ("[split] test_fraction inf", {"split.test_fraction": INF}, RUN),
        ("[split] test_fraction tiny", {"split.test_fraction": 1e-9}, RUN),
        ("[split] test_fraction 0.999", {"split.test_fraction": 0.999}, RUN),
        ("[split] missing", {"split": MISSING}, RUN),
        ("[features] none", {"features.numeric": [], "features.categorical": []}, RUN),
        ("[features] unknown column", {"features.numeric": ["nope"]}, RUN),
        ("[features] label", {"features.categorical": ["island", "species"]}, RUN),
        (
            "[features] text column as numeric",
            {"features.numeric": ["bill_length_mm", "island"]},
            RUN,
        ),
        ("[features] missing table", {"features": MISSING}, RUN),
        ("[model] estimator unknown module", {"model.estimator": "nope.Nope"}, RUN),
        ("[model] estimator not a class", {"model.estimator": "os.system"}, RUN),
        (
            "[model] estimator a regressor",
            {"model.estimator": "sklearn.linear_model.LinearRegression"},
            RUN,
        ),
        ("[model] params n_estimators -1", {"model.params.n_estimators": -1}, RUN),
        ("[model] params n_estimators nan", {"model.params.n_estimators": NAN}, RUN),
        ("[model] params n_estimators inf", {"model.params.n_estimators": INF}, RUN),
        ("[model] params unknown", {"model.params.bogus": 1}, RUN),
        ("[model] task bogus", {"model.task": "clustering"}, RUN),
        ("[model] task regression of text", {"model.task": "regression"}, RUN),
        ("[model] missing table", {"model": MISSING}, RUN),
        ("[output] models a file", {"output.models": "../README.md"}, ("run",)),
        ("[output] runs a file", {"output.runs": "../README.md"}, ("run",)),
        ("[output] reports a file", {"output.reports": "../README.md"}, ("run",)),
        ("[validation] min_examples -1", {"validation.min_examples": -1}, RUN),
        ("[validation] min_examples huge", {"validation.min_examples": 10**9}, RUN),
        ("[validation] skew_threshold nan", {"validation.skew_threshold": NAN}, RUN),
        ("[validation] skew_threshold inf", {"validation.skew_threshold": INF}, RUN),
        ("[validation] skew_threshold 2", {"validation.skew_threshold": 2}, RUN),
        (
            "[validation] drift_threshold nan",
            {"validation.drift_threshold": NAN},
            ("validate-data", "--baseline", "data/sample/penguins.csv"),
        ),
        (
            "[validation.features] unknown feature",
            {"validation.features.nope": {"min": 0}},
            RUN,
        ),
        (
            "[validation.features] min nan",
            {"validation.features.body_mass_g": {"min": NAN}},
            ("validate-data",),
        ),
        (
            "[validation.features] max -inf",
            {"validation.features.body_mass_g": {"max": -INF}},
            ("validate-data",),
        ),
        (
            "[validation.features] min above max",
            {"validation.features.body_mass_g": {"min": 9000, "max": 1}},
            ("validate-data",),
        ),
        (
            "[validation.features] min_domain_mass nan",
            {"validation.features.island": {"min_domain_mass": NAN}},
            ("validate-data",),
        ),
        (
            "[evaluation] slice unknown key",
            {"evaluation.slices.0.feature_keys": ["nope"]},
            RUN,
        ),
        (
            "[evaluation] sensitive_feature unknown",
            {"evaluation.sensitive_feature": "nope"},
            RUN,
        ),
        (
            "[evaluation] threshold metric unknown",
            {"evaluation.thresholds.0.metric": "nope"},
            RUN,
        ),
        (
            "[evaluation] threshold metric of regression",
            {"evaluation.thresholds.0.metric": "r2"},
            RUN,
        ),
        (
            "[evaluation] lower_bound nan",
            {"evaluation.thresholds.0.lower_bound": NAN},
            RUN,
        ),
        (
            "[evaluation] lower_bound -inf",
            {"evaluation.thresholds.0.lower_bound": -INF},
            RUN,
        ),
        (
            "[evaluation] lower above upper",
            {"evaluation.thresholds.0.upper_bound": 0.5},
            RUN,
        ),
        (
            "[evaluation] direction bogus",
            {"evaluation.thresholds.1.direction": "up"},
            RUN,
        ),
        (
            "[evaluation] absolute nan",
            {"evaluation.thresholds.1.absolute": NAN},
            ("run",),
        ),
        (
            "[evaluation] relative inf",
            {"evaluation.thresholds.2.relative": INF},
            ("run",),
        ),
        (
            "[evaluation] relative nan",
            {"evaluation.thresholds.2.relative": NAN},
            ("run",),
        ),
        (
            "[evaluation] threshold on a slice with no rows",
            {"evaluation.thresholds.3.slice": {"sex": "unknown"}},
            RUN,
        ),
        (
            "[evaluation] threshold slice unknown feature",
            {"evaluation.thresholds.3.slice": {"nope": "x"}},
            RUN,
        ),
        ("[evaluation] cost_ratio 0", {"evaluation.cost_ratio": 0}, RUN),
        ("[evaluation] cost_ratio nan", {"evaluation.cost_ratio": NAN}, RUN),
        ("[evaluation] cost_ratio inf", {"evaluation.cost_ratio": INF}, RUN),
        (
            "[evaluation] counterfactual_delta nan",
            {"evaluation.counterfactual_delta": NAN},
            RUN,
        ),
        ("[tuning] trials nan", {"tuning.trials": NAN}, ("tune",)),
        ("[tuning] timeout nan", {"tuning.timeout_seconds": NAN}, TUNE),
        ("[tuning] folds 1", {"tuning.folds": 1}, TUNE),
        ("[tuning] folds 1000", {"tuning.folds": 1000}, TUNE),
        ("[tuning] metric unknown", {"tuning.metric": "nope"}, TUNE),
        ("[tuning] metric of regression", {"tuning.metric": "r2"}, TUNE),
        ("[tuning] direction bogus", {"tuning.direction": "sideways"}, TUNE),
        ("[tuning] space empty", {"tuning.space": {}}, TUNE),
        (
            "[tuning] space low above high",
            {"tuning.space.max_depth": {"type": "int", "low": 9, "high": 2}},
            TUNE,
        ),
        (
            "[tuning] space float nan",
            {"tuning.space.max_features": {"type": "float", "low": NAN, "high": 1.0}},
            TUNE,
        ),
        (
            "[tuning] space not a parameter",
            {"tuning.space.bogus": {"type": "int", "low": 1, "high": 3}},
            TUNE,
        ),
        (
            "[tuning] space range the estimator rejects",
            {"tuning.space.max_depth": {"type": "int", "low": -5, "high": -1}},
            TUNE,
        ),
        ("unknown top-level key", {"sed": 1}, RUN),
        ("unknown table", {"modle": {"x": 1}}, RUN),
        ("[data] missing table", {"data": MISSING}, RUN),
    ]
    for name, changes, argv in bad:
        yield Case(f"config {name}", argv, "refuse", edit_config(changes))
    fine: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
        ("[evaluation] no thresholds key", {"evaluation.thresholds": MISSING}, RUN),
        ("[tuning] timeout inf", {"tuning.timeout_seconds": INF}, TUNE),
        (
            "[model] estimator switched, space kept",
            {
                "model.estimator": "sklearn.linear_model.LogisticRegression",
                "model.params": {"max_iter": 500},
            },
            RUN,
        ),
    ]
    for name, changes, argv in fine:
        yield Case(f"config {name}", argv, "any", edit_config(changes))
    yield Case(
        "config [model] estimator a Dummy: gate must refuse",
        RUN_UNTUNED,
        "refuse",
        edit_config(
            {"model.estimator": "sklearn.dummy.DummyClassifier", "model.params": {}}
        ),
    )
    yield Case(
        "config [model] Dummy with lower_bound nan",
        RUN_UNTUNED,
        "refuse",
        edit_config(
            {
                "model.estimator": "sklearn.dummy.DummyClassifier",
                "model.params": {},
                "evaluation.thresholds.0.lower_bound": NAN,
            }
        ),
    )
    for name, text in [
        ("TOML syntax error", "seed = \n[data\n"),
        ("duplicate key", "seed = 1\nseed = 2\n"),
        ("empty file", ""),
    ]:
        yield Case(f"config {name}", RUN, "refuse", config_text(text))
    yield Case(
        "config not UTF-8",
        RUN,
        "refuse",
        not_utf8_config,
    )
    yield Case("schema empty file", RUN, "refuse", schema_text(""))
    yield Case("schema not JSON", RUN, "refuse", schema_text("{not json"))
    yield Case("schema a list", RUN, "refuse", schema_text("[1, 2]\n"))
    yield Case(
        "schema NaN", ("validate-data",), "refuse", schema_text('{"features": NaN}')
    )
    yield Case("schema missing: validate-data", ("validate-data",), "refuse", no_schema)


def model_cases() -> Iterator[Case]:
    """Broken production and run states, under the commands that read them."""
    refuse_all: list[tuple[str, Setup]] = [
        ("dangling production link", dangling_link),
        ("truncated production model", truncated_model),
        ("empty production model", empty_model),
        ("foreign production model", foreign_model),
        ("production a file", production_file),
        ("production a link loop", link_loop),
        ("models/ a file", models_is_file),
    ]
    for name, setup in refuse_all:
        yield Case(
            f"predict: {name}", ("predict", "--output", "out.csv"), "refuse", setup
        )
        if setup in (dangling_link, production_file, link_loop, models_is_file):
            yield Case(f"run --no-promote: {name}", RUN, "refuse", setup)
        yield Case(f"run: {name}", ("run",), "refuse", setup, may_promote=True)
    yield Case("predict: no models", ("predict",), "refuse", no_models)
    yield Case(
        "predict: production a real directory",
        ("predict", "--output", "out.csv"),
        "any",
        real_directory,
    )
    yield Case(
        "run: production a real directory",
        ("run",),
        "any",
        real_directory,
        may_promote=True,
    )
    yield Case(
        "run: stale .production.next", ("run",), "any", stale_next, may_promote=True
    )
    yield Case(
        "run: .lock a directory", ("run",), "any", lock_is_directory, may_promote=True
    )
    yield Case(
        "runs: corrupt record", ("runs",), "any", corrupt_record, must_say=RUN_ID
    )
    yield Case("runs: empty record", ("runs",), "any", empty_record, must_say=RUN_ID)
    yield Case("runs: record a list", ("runs",), "any", record_is_list, must_say=RUN_ID)
    yield Case("runs: run without record", ("runs",), "any", run_without_record)
    yield Case("runs: runs/ a file", ("runs",), "refuse", runs_is_file)
    yield Case("run: runs/ a file", ("run",), "refuse", runs_is_file, may_promote=True)
    yield Case(
        "evaluate --promote an old run after adopt",
        ("evaluate", "--candidate", "candidate", "--promote"),
        "refuse",
        adopt_other_table,
        may_promote=True,
    )
    yield Case(
        "predict after adopt, before a run",
        ("predict", "data/sample/new_penguins.csv", "--output", "out.csv"),
        "refuse",
        adopt_other_table,
    )
    yield Case(
        "Ctrl-C while importing",
        ("run",),
        "refuse",
        interrupt_after=0.3,
        may_promote=True,
    )
    yield Case(
        "Ctrl-C mid-run", ("run",), "refuse", interrupt_after=4.0, may_promote=True
    )
    yield Case("two runs at once", ("run",), "any", may_promote=True, twice=True)


def make_cases() -> Iterator[Case]:
    """A table with blanks in most numeric columns through every make target."""
    steps: list[tuple[tuple[str, ...], str]] = [
        (("adopt", "DATA=hostile/t_blank_columns.csv", "LABEL=species"), "ok"),
        (("validate",), "ok"),
        (("stats",), "ok"),
        (("pipeline",), "ok"),
        (("predict",), "ok"),
        (("runs",), "ok"),
        (("tune", "TRIALS=2"), "ok"),
        (("pipeline",), "any"),
        (("predict", "ROWS=hostile/s_missing_column.csv"), "refuse"),
        (("schema",), "refuse"),
        (("adopt",), "refuse"),
        (("smoke",), "ok"),
    ]
    for number, (argv, expect) in enumerate(steps, start=1):
        yield Case(
            f"make {number:02d} {' '.join(argv)} (blank columns)",
            ("make", *argv),
            expect,
            may_promote=True,
            writes_project=True,
            chain="make",
        )


def all_cases() -> list[Case]:
    return [
        *data_cases(),
        *argument_cases(),
        *config_cases(),
        *model_cases(),
        *make_cases(),
    ]


# ---------------------------------------------------------------- running a case


def fingerprint(project: Path) -> dict[str, str]:
    """Every file and link of the project but its tools: path -> content hash."""
    found: dict[str, str] = {}
    for folder, dirs, files in os.walk(project):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        base = Path(folder)
        for name in files + [d for d in dirs if (base / d).is_symlink()]:
            path = base / name
            key = str(path.relative_to(project))
            if path.is_symlink():
                found[key] = "-> " + os.readlink(path)
            elif path.is_file():
                found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def production_state(project: Path) -> str:
    link = production_dir(project)
    if not link.is_symlink() and not link.exists():
        return "none"
    target = os.readlink(link) if link.is_symlink() else "(not a link)"
    model = link / "model.joblib"
    try:
        digest = hashlib.sha256(model.read_bytes()).hexdigest()[:12]
    except OSError:
        digest = "unreadable"
    return f"{target} {digest}"


def damage(case: Case, project: Path, before: dict[str, str], was: str) -> list[str]:
    """What a command left behind that it must not have."""
    after = fingerprint(project)
    changed = {key for key, digest in after.items() if before.get(key) != digest}
    found: list[str] = []
    now = production_state(project)
    if now != was and (not case.may_promote or case.expect == "refuse"):
        found.append(f"production changed: {was} -> {now}")
    models = project / "models"
    if (
        models / ".production.next"
    ).is_symlink() and "models/.production.next" in changed:
        found.append("models/.production.next left behind")
    if models.is_dir():
        for release in models.iterdir():
            if (
                release.is_dir()
                and not release.is_symlink()
                and release.name != "production"
                and not release.name.startswith(".")
            ):
                if not (release / "model.joblib").is_file():
                    found.append(f"release folder without a model: {release.name}")
                elif (
                    f"models/{release.name}/model.joblib" in changed
                    and not (project / "runs" / release.name / "record.json").is_file()
                ):
                    found.append(f"release {release.name} without runs/.../record.json")
    for key in sorted(changed):
        name = Path(key).name
        if re.fullmatch(r"\..+\.[a-z0-9_]{8}", name):
            found.append(f"half-written temporary file {key}")
        elif name.endswith(".json") and not parses(project / key):
            found.append(f"unreadable JSON written: {key}")
        elif name == "model.joblib" and (project / key).stat().st_size == 0:
            found.append(f"empty model written: {key}")
    protected = ("configs/", "schema/", "data/")
    if not case.writes_project or case.expect == "refuse":
        touched = sorted(k for k in changed if k.startswith(protected))
        deleted = sorted(
            k for k in before if k not in after and k.startswith(protected)
        )
        if touched or deleted:
            found.append(f"project files changed: {(touched + deleted)[:4]}")
    return found


def parses(path: Path) -> bool:
    try:
        json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return True


def command_line(case: Case, base: Path, uv: str) -> list[str]:
    if case.argv[:1] == ("make",):
        return ["make", *case.argv[1:], f"UV={uv}"]
    return [str(base / ".venv/bin/python"), "-m", MODULE, *case.argv]


def execute(argv: list[str], cwd: Path, interrupt: float | None) -> tuple[int, str]:
    """Run in its own process group (so Ctrl-C and a time-out reach its children)."""
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    if interrupt is not None:
        try:
            process.wait(interrupt)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGINT)
    try:
        output, _ = process.communicate(timeout=CASE_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        return -999, output
    return process.returncode, output


def fresh_copy(base: Path, target: Path, whole: bool) -> None:
    """The project without its tools; .venv a link to the base's unless whole."""
    ignored = (
        shutil.ignore_patterns(".tools")
        if whole
        else shutil.ignore_patterns(".venv", ".tools")
    )
    shutil.copytree(base, target, symlinks=True, ignore=ignored)
    if not whole:
        (target / ".venv").symlink_to(base / ".venv")


def classify(case: Case, code: int, output: str, damaged: list[str]) -> str:
    if code == -999:
        return "hang"
    if "Traceback" in output or code not in OK_CODES:
        return "traceback"
    if code == 0 and case.expect == "refuse":
        return "silent"  # what it then changed is listed, but the defect is accepting
    if damaged:
        return "damaged"
    if code == 0:
        if case.must_say and not re.search(case.must_say, output):
            return "silent"
        return "handled"
    lines = [line for line in output.splitlines() if line.strip()]
    if not lines or max(len(line) for line in lines[-3:]) > LONGEST_CLEAR_LINE:
        return "unclear"
    return "over-refused" if case.expect == "ok" else "clear"


def run_case(case: Case, project: Path, base: Path, uv: str) -> Outcome:
    if case.setup is not None:
        case.setup(project)
    before, was = fingerprint(project), production_state(project)
    argv = command_line(case, base, uv)
    started = time.perf_counter()
    if case.twice:
        first = subprocess.Popen(
            argv,
            cwd=project,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        code, output = execute(argv, project, None)
        other, _ = first.communicate(timeout=CASE_SECONDS)
        code = code if code not in (0, 1) else first.returncode
        output = output + "\n--- the other run ---\n" + other
    else:
        code, output = execute(argv, project, case.interrupt_after)
    seconds = time.perf_counter() - started
    damaged = damage(case, project, before, was)
    return Outcome(
        case, classify(case, code, output, damaged), code, seconds, output, damaged
    )


def sweep(cases: list[Case], base: Path, workdir: Path) -> Iterator[Outcome]:
    uv, chains = uv_path(), {}
    for number, case in enumerate(cases):
        if case.chain is not None:
            if case.chain not in chains:
                chains[case.chain] = workdir / f"chain-{case.chain}"
                fresh_copy(base, chains[case.chain], whole=True)
            project = chains[case.chain]
        else:
            project = workdir / f"case-{number:03d}"
            fresh_copy(base, project, whole=False)
        yield run_case(case, project, base, uv)
        if case.chain is None:
            shutil.rmtree(project)


# ---------------------------------------------------------------- the report

VERDICTS = (
    "clear",
    "handled",
    "traceback",
    "silent",
    "damaged",
    "hang",
    "unclear",
    "over-refused",
)
DEFECTS = ("traceback", "silent", "damaged", "hang", "unclear")


def tail(output: str, lines: int) -> str:
    kept = [line for line in output.splitlines() if line.strip()][-lines:]
    return "\n".join(f"      {line[:300]}" for line in kept)


def report(outcomes: list[Outcome], seconds: float) -> None:
    counts = Counter(outcome.verdict for outcome in outcomes)
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = used.ru_utime + used.ru_stime
    print(
        f"\n{len(outcomes)} cases in {seconds:.0f} s ({cpu:.0f} s of CPU in commands)"
    )
    for verdict in VERDICTS:
        print(f"  {verdict:13} {counts.get(verdict, 0):4d}")
    for verdict in (*DEFECTS, "over-refused"):
        listed = [outcome for outcome in outcomes if outcome.verdict == verdict]
        if listed:
            print(f"\n== {verdict} ({len(listed)})")
        for outcome in listed:
            command = " ".join(outcome.case.argv)
            print(f"  - {outcome.case.name}: `{command}` exit {outcome.code}")
            for problem in outcome.damage:
                print(f"      DAMAGE {problem}")
            print(tail(outcome.output, 2 if verdict != "traceback" else 1))


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options.add_argument("--template", type=Path, default=TEMPLATE)
    options.add_argument(
        "--only",
        action="append",
        help="run the cases whose name holds this text (repeatable)",
    )
    options.add_argument(
        "--keep", action="store_true", help="keep the temporary folder"
    )
    options.add_argument("--json", type=Path, help="write every outcome here")
    options.add_argument("--list", action="store_true", help="list the cases and stop")
    arguments = options.parse_args()
    cases = all_cases()
    if arguments.only:
        cases = [c for c in cases if any(text in c.name for text in arguments.only)]
    if arguments.list:
        print("\n".join(case.name for case in cases))
        print(f"{len(cases)} cases")
        return
    # Started in the background, this process may ignore SIGINT, and its children
    # would inherit that: Python's own handler gives them a default one to replace.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    workdir = Path(tempfile.mkdtemp(prefix="sweep-hostile-"))
    started = time.perf_counter()
    try:
        base = bake(arguments.template.resolve(), workdir)
        print(f"baked and ran the pipeline in {time.perf_counter() - started:.0f} s")
        outcomes = []
        for outcome in sweep(cases, base, workdir):
            outcomes.append(outcome)
            print(
                f"{outcome.verdict:12} {outcome.seconds:5.1f} s  {outcome.case.name}",
                flush=True,
            )
        report(outcomes, time.perf_counter() - started)
        if arguments.json:
            arguments.json.write_text(
                json.dumps(
                    [
                        {
                            "case": o.case.name,
                            "argv": o.case.argv,
                            "expect": o.case.expect,
                            "verdict": o.verdict,
                            "exit": o.code,
                            "seconds": round(o.seconds, 2),
                            "damage": o.damage,
                            "traceback": "Traceback" in o.output,
                            "output": o.output[-3000:],
                        }
                        for o in outcomes
                    ],
                    indent=1,
                )
            )
    finally:
        if arguments.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
