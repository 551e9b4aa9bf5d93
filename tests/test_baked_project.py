"""A baked project passes its own gates, and they catch a project broken on purpose."""

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import DEFAULT_MODULE
from conftest import assert_make_passes
from conftest import bake
from conftest import commit
from conftest import edit
from conftest import make
from conftest import run

pytestmark = pytest.mark.slow

SOURCE = Path("src") / DEFAULT_MODULE
SERVED_MODEL = Path("models") / "production" / "model.joblib"
# The [tuning] table and its space, up to the next table that is not theirs.
TUNING_TABLE = re.compile(r"(?ms)^\[tuning\]\n.*?(?=^\[(?!tuning))")


Corruption = tuple[Callable[[str], str], int, str]
CORRUPTIONS: dict[str, Corruption] = {
    "unknown island": (lambda t: t.replace("Dream", "Atlantis"), 1, "ENUM_TYPE_"),
    "text in a number": (lambda t: t.replace("3750", "heavy"), 1, "UNEXPECTED_DATA"),
    "a dropped column": (
        lambda t: "\n".join(line.rsplit(",", 1)[0] for line in t.splitlines()),
        1,
        "year: SCHEMA_MISSING_COLUMN",
    ),
    "semicolons": (lambda t: t.replace(",", ";"), 2, "semicolon-delimited"),
    "header only": (lambda t: t.splitlines()[0] + "\n", 2, "header only"),
}


def test_bad_data_and_a_worse_model_never_replace_the_served_model(
    tmp_path: Path,
) -> None:
    """Bad data never reaches training, and a worse model never reaches serving: the
    model from a good run stays as it was."""
    project = bake(tmp_path)
    assert_make_passes(project, "pipeline")
    model = (project / SERVED_MODEL).read_bytes()
    sample = project / "data" / "sample" / "penguins.csv"
    good = sample.read_text(encoding="utf-8")
    validate = ["uv", "run", "--no-sync", "python", "-m", DEFAULT_MODULE]
    for name, (corrupt, exit_code, message) in CORRUPTIONS.items():
        copy = tmp_path / f"{name}.csv"
        copy.write_text(corrupt(good), encoding="utf-8")
        checked = run(project, *validate, "validate-data", str(copy))
        assert checked.returncode == exit_code, (name, checked.stdout)
        assert message in checked.stdout, (name, checked.stdout)
    (tmp_path / "garbage.csv").write_bytes(bytes(range(256)) * 4)
    garbage = run(project, *validate, "validate-data", str(tmp_path / "garbage.csv"))
    assert garbage.returncode == 2 and "binary data" in garbage.stdout

    sample.write_text(CORRUPTIONS["unknown island"][0](good), encoding="utf-8")
    refused = make(project, "pipeline")
    assert refused.returncode != 0 and "nothing trained" in refused.stdout
    assert (project / SERVED_MODEL).read_bytes() == model

    sample.write_text(good, encoding="utf-8")
    edit(
        project / "configs" / "pipeline.toml",
        "sklearn.ensemble.RandomForestClassifier",
        "sklearn.dummy.DummyClassifier",
    )
    edit(project / "configs" / "pipeline.toml", "n_estimators = 200\nmax_depth = 6", "")
    without_search(project / "configs" / "pipeline.toml")  # its space is the forest's
    worse = make(project, "pipeline")
    assert worse.returncode != 0, worse.stdout
    assert "gate: overall: accuracy" in worse.stdout
    assert "refused: production unchanged" in worse.stdout
    assert (project / SERVED_MODEL).read_bytes() == model


def without_search(config: Path) -> None:
    """The [tuning] table cut out: its space names the forest's parameters, which
    another estimator refuses."""
    text = config.read_text(encoding="utf-8")
    cut, found = TUNING_TABLE.subn("", text)
    assert found == 1, "no [tuning] table"
    config.write_text(cut, encoding="utf-8")


def test_notebook_runs_top_to_bottom(tmp_path: Path) -> None:
    project = bake(tmp_path, include_notebooks="yes")
    notebook = json.loads(
        (project / "notebooks" / "analysis.ipynb").read_text(encoding="utf-8")
    )
    code_cells = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert all(cell["outputs"] == [] for cell in code_cells)
    assert any(f"from {DEFAULT_MODULE}." in "".join(c["source"]) for c in code_cells)
    assert "Executing notebook" in assert_make_passes(project, "notebooks")
    assert not (project / "models").exists()


def test_mlflow_option_logs_each_run_to_a_local_store(tmp_path: Path) -> None:
    """The same record in MLflow's SQLite store: what `make mlflow-ui` shows."""
    project = bake(tmp_path, experiment_tracking="mlflow", include_notebooks="no")
    assert "promoted to production" in assert_make_passes(project, "pipeline")
    query = (
        "from mlflow import MlflowClient\n"
        "client = MlflowClient(tracking_uri='sqlite:///mlflow.db')\n"
        f"experiment = client.get_experiment_by_name('{DEFAULT_MODULE}')\n"
        "(found,) = client.search_runs([experiment.experiment_id])\n"
        "artifacts = [a.path for a in client.list_artifacts(found.info.run_id)]\n"
        "print(found.info.run_name, found.data.metrics['overall/accuracy'],\n"
        "      found.data.tags['promoted'], sorted(artifacts))\n"
    )
    logged = run(project, "uv", "run", "--no-sync", "python", "-c", query)
    (run_dir,) = (project / "runs").iterdir()
    assert logged.returncode == 0, logged.stdout
    name, accuracy, promoted = logged.stdout.split()[:3]
    assert (name, promoted) == (run_dir.name, "True") and float(accuracy) > 0.9
    for artifact in ("evaluation.html", "model.joblib", "record.json"):
        assert artifact in logged.stdout
    assert "mlflow-ui" in make(project, "help").stdout
    assert_make_passes(project, "check")


def test_longest_module_name_still_passes_lint(tmp_path: Path) -> None:
    project = bake(tmp_path, project_slug="long", module_name="m" * 24)
    assert_make_passes(project, "lint")


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def append_to(path: Path, code: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + code, encoding="utf-8")


def relative_import(project: Path) -> None:
    """A new module whose one import is relative, so isort has nothing to re-sort."""
    (project / SOURCE / "shortcuts.py").write_text(
        '"""Broken on purpose."""\n\nfrom .errors import ConfigError\n\n'
        '__all__ = ["ConfigError"]\n',
        encoding="utf-8",
    )


def type_error(project: Path) -> None:
    append_to(
        project / SOURCE / "evaluator.py",
        '\n\ndef broken() -> int:\n    return "text"\n',
    )


def failing_test(project: Path) -> None:
    append_to(
        project / "tests" / "test_model.py",
        "\n\ndef test_broken_on_purpose() -> None:\n"
        '    assert Model(ModelConfig("sklearn.svm.SVC")).build() is None\n',
    )


def component_import(project: Path) -> None:
    last_import = "from sklearn.pipeline import Pipeline as ScikitPipeline\n"
    replace_in(
        project / SOURCE / "trainer.py",
        last_import,
        last_import
        + f"\nfrom {DEFAULT_MODULE}.evaluator import Evaluator  # noqa: F401\n",
    )


# Each breakage, and what in `make check`'s output says it was caught, in the order of
# the stage that catches it (lint, typecheck, imports, test).
BREAKAGES: list[tuple[Callable[[Path], None], str]] = [
    (relative_import, "I252 Relative imports are banned"),
    (type_error, 'Incompatible return value type (got "str", expected "int")'),
    (component_import, "Contracts: 0 kept, 2 broken."),
    (failing_test, "FAILED tests/test_model.py::test_broken_on_purpose"),
]


def test_make_check_catches_a_project_broken_on_purpose(tmp_path: Path) -> None:
    """One project, broken one way at a time and restored from its first commit in
    between: the environment and the tools' caches are shared, the breakages not."""
    project = bake(tmp_path)
    commit(project, "Bake from the template")
    for breakage, caught_by in BREAKAGES:
        breakage(project)
        completed = make(project, "check")
        assert completed.returncode != 0, breakage.__name__
        output = completed.stdout[-3000:]
        assert caught_by in completed.stdout, (breakage.__name__, output)
        for restore in (["checkout", "-q", "--", "."], ["clean", "-fdq"]):
            assert run(project, "git", *restore).returncode == 0
        assert run(project, "git", "status", "--porcelain").stdout == ""
