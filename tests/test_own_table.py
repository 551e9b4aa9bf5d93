"""A researcher's own table, not only the bundled penguins, runs the whole loop.

Three real tables that ship inside scikit-learn's wheel (binary, multiclass,
regression) are adopted in one command, trained, promoted and served on rows the model
never saw; then a useless model is refused and the served one stays byte-identical.
One bake per table, so xdist runs them side by side. `make check` after an adopt is
test_readme_commands.py's: it runs every README command on an adopted table.
"""

import csv
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import assert_make_passes
from conftest import bake
from conftest import edit
from conftest import make
from conftest import run

pytestmark = pytest.mark.slow

CONFIG = Path("configs") / "pipeline.toml"
PRODUCTION = Path("models") / "production"
SERVED_MODEL = PRODUCTION / "model.joblib"
LABEL = "target"
# The body of [model.params]: its lines up to the next blank line or table header.
MODEL_PARAMS = re.compile(r"(?m)^(\[model\.params\]\n)(?:[^\[\n].*\n)+")
# The [tuning] table and its space, up to the next table that is not theirs.
TUNING_TABLE = re.compile(r"(?ms)^\[tuning\]\n.*?(?=^\[(?!tuning))")

# Run by the baked project's Python: scikit-learn is the project's dependency, not the
# template's. A seeded ~10% is held out, label dropped, as rows the model never sees.
EXPORT = """
import json
import sys

from sklearn import datasets

name, options, training, held_out = sys.argv[1:]
frame = getattr(datasets, "load_" + name)(as_frame=True, **json.loads(options)).frame
rows = frame.sample(frac=0.1, random_state=0)
frame.drop(index=rows.index).to_csv(training, index=False)
rows.drop(columns=["target"]).to_csv(held_out, index=False)
"""


@dataclass(frozen=True)
class Table:
    """One of scikit-learn's bundled tables, and what adopt should make of it."""

    name: str
    task: str
    loader_options: str = "{}"  # JSON keyword arguments of load_<name>

    @property
    def forest(self) -> str:
        """The estimator adopt writes for the task."""
        return f"sklearn.ensemble.RandomForest{self._kind}"

    @property
    def dummy(self) -> str:
        """A constant guess: what every gate must refuse after a real model."""
        return f"sklearn.dummy.Dummy{self._kind}"

    @property
    def _kind(self) -> str:
        return "Classifier" if self.task == "classification" else "Regressor"


TABLES = (
    Table("breast_cancer", "classification"),
    Table("wine", "classification"),
    # Unscaled: the clinical units a researcher's own table would have.
    Table("diabetes", "regression", json.dumps({"scaled": False})),
)


def read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.reader(file))


def export(project: Path, table: Table, folder: Path) -> tuple[Path, Path]:
    """The table to adopt (90%) and the held-out rows without their label (10%)."""
    training = folder / f"{table.name}.csv"
    held_out = folder / f"{table.name}_held_out.csv"
    python = ["uv", "run", "--no-sync", "python", "-c", EXPORT]
    exported = run(
        project, *python, table.name, table.loader_options, str(training), str(held_out)
    )
    assert exported.returncode == 0, exported.stdout
    return training, held_out


def assert_predicts_each_row(
    project: Path, table: Table, training: Path, held_out: Path
) -> None:
    """One prediction per held-out row, each a label the table has (classification)
    or a finite number (regression)."""
    assert_make_passes(project, "predict", f"ROWS={held_out}")
    predictions = project / "predictions.csv"
    first_line = predictions.read_text(encoding="utf-8").splitlines()[0]
    assert first_line.endswith(f",predicted_{LABEL},model_version")
    header, *rows = read_rows(predictions)
    assert 0 < len(rows) == len(read_rows(held_out)) - 1
    predicted = {row[header.index(f"predicted_{LABEL}")] for row in rows}
    training_header, *labelled = read_rows(training)
    labels = {row[training_header.index(LABEL)] for row in labelled}
    if table.task == "regression":
        assert all(math.isfinite(float(value)) for value in predicted), predicted
    else:
        assert predicted <= labels, (predicted, labels)


def assert_worse_model_refused(project: Path, table: Table) -> None:
    """The task's Dummy (no parameters) fails the gate adopt wrote, and production
    keeps serving the same release, byte for byte."""
    config = project / CONFIG
    edit(config, f'"{table.forest}"', f'"{table.dummy}"')
    emptied, found = MODEL_PARAMS.subn(r"\1", config.read_text(encoding="utf-8"))
    assert found == 1, "no [model.params] table to empty"
    # The [tuning] space names the forest's parameters, which a Dummy refuses.
    config.write_text(TUNING_TABLE.sub("", emptied), encoding="utf-8")
    release = (project / PRODUCTION).resolve()
    model = (project / SERVED_MODEL).read_bytes()

    refused = make(project, "pipeline")
    assert refused.returncode != 0, refused.stdout[-4000:]
    assert "\ngate: " in refused.stdout, refused.stdout[-4000:]
    assert "refused: production unchanged" in refused.stdout, refused.stdout[-4000:]
    assert (project / PRODUCTION).resolve() == release
    assert (project / SERVED_MODEL).read_bytes() == model


@pytest.mark.parametrize("table", TABLES, ids=lambda table: table.name)
def test_an_adopted_table_trains_serves_and_refuses_a_worse_model(
    tmp_path: Path, table: Table
) -> None:
    project = bake(tmp_path)
    assert_make_passes(project, "install")
    training, held_out = export(project, table, tmp_path)

    adopted = assert_make_passes(project, "adopt", f"DATA={training}", f"LABEL={LABEL}")
    assert f"task: {table.task}," in adopted
    config = (project / CONFIG).read_text("utf-8")
    assert f'estimator = "{table.forest}"' in config
    sample = re.compile(r"penguin|island|species|Anvers|Dream", re.I)
    assert not sample.search(config), "the config still names the sample"
    assert "promoted to production" in assert_make_passes(project, "pipeline")
    assert (project / SERVED_MODEL).is_file()

    assert_predicts_each_row(project, table, training, held_out)
    assert_worse_model_refused(project, table)
