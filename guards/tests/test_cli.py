"""The data commands' summary line never calls an undecided check a pass; the
pipeline commands print the same lines, and exit with the same codes, for any
pipeline with the API they drive (here a fake)."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import LABEL
from conftest import ROWS
from conftest import SERVING_ROWS
from conftest import table

from research_guards import commands
from research_guards.cli import command_parser
from research_guards.cli import dispatch
from research_guards.cli import undecided
from research_guards.cli import unjudged
from research_guards.commands import TrainingPipeline
from research_guards.commands import add_pipeline_commands
from research_guards.commands import thresholds_met
from research_guards.config import MetricThreshold
from research_guards.config import PipelineConfig
from research_guards.config import TuningConfig
from research_guards.data_validation import Comparison
from research_guards.data_validation import DataValidator
from research_guards.data_validation import Schema
from research_guards.datatypes import OVERALL
from research_guards.datatypes import Dataset
from research_guards.datatypes import Evaluation
from research_guards.datatypes import ModelArtifact
from research_guards.datatypes import Scored
from research_guards.datatypes import SearchSummary
from research_guards.datatypes import Trial
from research_guards.errors import DataError
from research_guards.gate import Failure
from research_guards.gate import GateResult
from research_guards.gate import Verdict
from research_guards.storage import MODEL_FILE
from research_guards.storage import save_artifact
from research_guards.tracking import RunRecorder
from research_guards.tuner import Tuner


def test_no_anomalies_names_a_drift_too_small_to_judge() -> None:
    """Above the threshold but within the noise is undecided, not a pass: the summary
    says which features, and a judged comparison adds nothing to it."""
    within = Comparison("width", "Jensen-Shannon divergence", 0.15, 0.1, noise=0.3)
    above = Comparison("length", "Jensen-Shannon divergence", 0.5, 0.1, noise=0.3)
    below = Comparison("count", "Jensen-Shannon divergence", 0.05, 0.1)
    assert within.too_small and above.fired and not below.fired
    assert undecided([within, above, below]) == ["width"]
    assert undecided([above, below]) == []
    checks = "drift comparison(s) above the threshold"
    assert unjudged(checks, ["width"], "compare") == (
        "; 1 drift comparison(s) above the threshold not judged on so few rows "
        "(width): compare more rows to decide"
    )
    assert unjudged(checks, [], "compare") == ""


NO_ROWS = (pd.DataFrame(), pd.Series(dtype=float))


@dataclass(frozen=True)
class Result:
    """A gated candidate as the repository's Pipeline returns it."""

    verdict: Verdict
    run_dir: Path
    run_id: str = "run-1"
    skew: tuple[Comparison, ...] = ()
    release: Path | None = None
    evaluation_rows: Dataset = field(default_factory=lambda: Dataset(*NO_ROWS))
    recorded: bool = True
    tuning: SearchSummary | None = None
    report: Path | None = None
    withheld: str | None = None


@dataclass
class FakePipeline:
    """The Pipeline API the commands drive, answering with what a test gives it and
    keeping what it was asked."""

    config: PipelineConfig
    recorder: RunRecorder
    result: Result
    validator: DataValidator
    tuner: Tuner | None = None
    note: str | None = None
    search: SearchSummary | None = None
    serving: str | None = None
    unscored: int = 0  # labelless rows of the file score is given
    asked: list[tuple[Any, ...]] = field(default_factory=list)

    def run(self, promote: bool, use_tuned: bool, report: bool) -> Result:
        self.asked.append(("run", promote, use_tuned, report))
        return self.result

    def space_note(self) -> str | None:
        return self.note

    def tune(
        self, progress: Callable[[str], None], trials: int | None, timeout: float | None
    ) -> SearchSummary:
        self.asked.append(("tune", trials, timeout))
        progress("trial 1 of 1: #0 accuracy 0.9000; best 0.9000 (trial #0)")
        assert self.search is not None
        return self.search

    def evaluate(self, candidate_dir: Path, promote: bool, report: bool) -> Result:
        self.asked.append(("evaluate", candidate_dir, promote, report))
        return replace(self.result, recorded=False)

    def serving_version(self) -> str | None:
        return self.serving

    def score(self, rows_path: Path) -> Scored:
        self.asked.append(("score", rows_path))
        metrics = {
            OVERALL: {"example_count": 40.0, "accuracy": 0.9},
            "site=north": {"example_count": 12.0, "accuracy": float("nan")},
        }
        return Scored("run-1", evaluation(metrics), self.unscored)

    def evaluation_rows(self) -> Dataset:
        rows = pd.read_csv(self.config.data.train).tail(40)
        return Dataset(rows.drop(columns=[LABEL]), rows[LABEL])

    def served(self) -> Path:
        path = self.config.output.models / "production" / MODEL_FILE
        if not path.is_file():
            raise DataError("no production model yet: run the pipeline first")
        return path

    def predict(self, rows_path: Path) -> pd.DataFrame:
        rows = pd.read_csv(rows_path)
        return rows.assign(predicted_label="a", model_version="run-1")


def evaluation(metrics: dict[str, dict[str, float]]) -> Evaluation:
    return Evaluation(metrics, pd.Series(dtype=object), None, [])


BLESSED = Verdict(
    evaluation({OVERALL: {"accuracy": 0.9, "log_loss": 0.25}}), None, GateResult(True)
)
REFUSED = Verdict(
    evaluation({OVERALL: {"accuracy": 0.5, "log_loss": float("inf")}}),
    None,
    GateResult(
        False,
        [Failure(OVERALL, "accuracy", {}, 0.5, 0.9, "accuracy 0.5000 < 0.9000")],
    ),
    "candidate trained on 3 of 40 evaluation rows; judged on the 37 others",
)
SEARCH = SearchSummary(
    study="tune-abc",
    storage="runs/tuning.db",
    metric="accuracy",
    direction="maximize",
    folds=3,
    trials=(Trial(0, "COMPLETE", 0.9, {"C": 0.5}),),
    best=Trial(0, "COMPLETE", 0.9, {"C": 0.5}),
    importances={"C": 1.0},
)


@pytest.fixture
def fake(config: PipelineConfig, tmp_path: Path) -> FakePipeline:
    recorder = RunRecorder(config.output.runs, config.root)
    validator = DataValidator(Schema.load(config.data.schema), config.validation)
    result = Result(BLESSED, tmp_path / "runs" / "run-1")
    return FakePipeline(config, recorder, result, validator)


def main(pipeline: FakePipeline, *argv: str) -> int:
    """The pipeline commands as a repository's CLI adds them, on `pipeline`."""
    parser, command = command_parser("prog", "The pipeline commands on a fake.")
    handlers = add_pipeline_commands(command, lambda config_file: pipeline)
    return dispatch(handlers, parser.parse_args(argv))


def test_run_prints_the_task_the_run_and_the_verdict(
    fake: FakePipeline, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    release = tmp_path / "models" / "releases" / "run-1"
    fake.result = replace(fake.result, release=release, report=tmp_path / "e.html")
    assert main(fake, "run") == 0
    assert fake.asked == [("run", True, True, True)]
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "task: classification of 'label'"
    assert lines[1] == "run run-1"
    assert lines[2].split() == ["accuracy", "log_loss"]
    assert lines[3].split() == ["slice"]
    assert lines[4].split() == [OVERALL, "0.9000", "0.2500"]
    assert lines[5:] == [
        "no production model yet: change thresholds skipped (rubber stamp)",
        "gate passed: overall: accuracy 0.9000, at least 0.6",
        f"validation: {tmp_path / 'runs' / 'run-1' / 'validation.json'}",
        f"report: {tmp_path / 'e.html'}",
        f"promoted to production: {release}",
    ]


def test_a_refused_run_names_each_failure_and_exits_1(
    fake: FakePipeline, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    skew = Comparison("width", "Jensen-Shannon divergence", 0.05, 0.1)
    fake.result = Result(
        REFUSED,
        tmp_path / "runs" / "run-2",
        "run-2",
        skew=(skew,),
        evaluation_rows=Dataset(*NO_ROWS, unlabelled=4),
    )
    assert main(fake, "run", "--no-promote", "--untuned") == 1
    assert fake.asked == [("run", False, False, True)]
    out = capsys.readouterr().out
    assert "dropped 4 rows without a label\nskew width: " in out
    assert [OVERALL, "0.5000", "n/a"] in [line.split() for line in out.splitlines()]
    assert REFUSED.rows_note + "\ngate: overall: accuracy 0.5000 < 0.9000\n" in out
    assert out.endswith(
        "refused: production unchanged; the candidate stays in "
        f"{tmp_path / 'runs' / 'run-2'}\n"
    )


def test_a_run_names_each_threshold_it_met_with_what_met_it() -> None:
    """A blessed run says why; before any production model, only bounds judge."""
    floor = MetricThreshold("accuracy", lower_bound=0.5)
    not_worse = MetricThreshold("accuracy", direction="higher_is_better", absolute=0.0)
    bounded_change = replace(not_worse, metric="log_loss", upper_bound=0.3)
    bounded_change = replace(bounded_change, direction="lower_is_better")
    missed = MetricThreshold("log_loss", upper_bound=0.1)
    thresholds = (floor, not_worse, bounded_change, missed)
    production = evaluation({OVERALL: {"accuracy": 0.85, "log_loss": 0.28}})
    candidate = evaluation({OVERALL: {"accuracy": 0.9, "log_loss": 0.25}})
    met = thresholds_met(thresholds, candidate, production)
    assert met == [
        "gate passed: overall: accuracy 0.9000, at least 0.5",
        "gate passed: overall: accuracy 0.9000 (production 0.8500), "
        "not worse than production",
        "gate passed: overall: log_loss 0.2500 (production 0.2800), "
        "at most 0.3 and not worse than production",
    ]
    assert thresholds_met(thresholds, candidate, None) == [
        "gate passed: overall: accuracy 0.9000, at least 0.5",
        "gate passed: overall: log_loss 0.2500, at most 0.3",
    ]


@pytest.mark.parametrize(
    ("untuned", "tuned", "note", "said"),
    [
        (False, True, "ignored", "tuned: trial #0 of study tune-abc (C=0.5): "),
        (False, False, "[tuning.space] does not fit", "[tuning.space] does not fit"),
        (False, False, None, "no search of this config and data yet: "),
        (True, False, None, None),
    ],
)
def test_run_says_which_parameters_trained_the_candidate(
    untuned: bool,
    tuned: bool,
    note: str | None,
    said: str | None,
    fake: FakePipeline,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A search's best trial, or why the space was ignored, or that there is no
    search yet; nothing with --untuned."""
    tuning = TuningConfig((), "accuracy", "maximize")
    fake.tuner = Tuner(tuning, tmp_path / "tuning.db", 0, "classification")
    fake.note = note
    fake.result = replace(fake.result, tuning=SEARCH if tuned else None)
    assert main(fake, "run", *(["--untuned"] if untuned else [])) == 0
    second = capsys.readouterr().out.splitlines()[1]
    if said is None:
        assert second == "run run-1"
    else:
        assert second.startswith(said)
    if tuned:
        assert second.endswith("accuracy 0.9000 on 3-fold CV")


def test_a_withheld_promotion_exits_1_and_says_why(
    fake: FakePipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.result = replace(fake.result, withheld="configs/pipeline.toml changed")
    assert main(fake, "run") == 1
    assert capsys.readouterr().out.endswith(
        "blessed but not promoted: configs/pipeline.toml changed, so its model may "
        "not fit the project as it is now; production unchanged; run again\n"
    )


def test_an_experiment_is_blessed_not_released(
    fake: FakePipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(fake, "run", "--no-promote") == 0
    assert capsys.readouterr().out.endswith(
        "blessed: would have been promoted; not released "
        "(--no-promote: an experiment)\n"
    )


def test_evaluate_writes_its_verdict_to_reports(
    fake: FakePipeline, config: PipelineConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    """A saved model's verdict goes to reports/, not into the run it would
    contradict; without --promote it says how to release it."""
    fake.result = replace(fake.result, verdict=Verdict(None, None, GateResult(False)))
    assert main(fake, "evaluate", "--candidate", "runs/run-1") == 0
    assert fake.asked == [("evaluate", Path("runs/run-1"), False, True)]
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"validation: {config.output.reports / 'validation.json'}",
        "blessed: would have been promoted; not released (pass --promote)",
    ]


def test_tune_prints_progress_the_best_trial_and_where_it_is_kept(
    fake: FakePipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.search = SEARCH
    assert main(fake, "tune", "--trials", "4", "--timeout", "2.5") == 0
    assert fake.asked == [("tune", 4, 2.5)]
    assert capsys.readouterr().out.splitlines() == [
        "trial 1 of 1: #0 accuracy 0.9000; best 0.9000 (trial #0)",
        "best: trial #0 of study tune-abc (C=0.5): accuracy 0.9000 on 3-fold CV",
        "importance C: 1.000",
        "kept in runs/tuning.db; `make pipeline` trains the candidate with these "
        "parameters and gates it",
    ]


@pytest.mark.parametrize(
    ("metric", "said"),
    [
        (
            "log_loss",
            "the search minimises log_loss (3-fold CV, training rows); the gate "
            "compares accuracy with production, so a tuned candidate may still be "
            "refused: set [tuning] metric to 'accuracy' to search for what is judged",
        ),
        (
            "accuracy",
            "the search maximises accuracy (3-fold CV, training rows), the metric "
            "the gate compares with production",
        ),
    ],
)
def test_tune_says_first_what_it_optimises_and_whether_the_gate_judges_it(
    fake: FakePipeline, capsys: pytest.CaptureFixture[str], metric: str, said: str
) -> None:
    natural = "lower_is_better" if metric == "log_loss" else "higher_is_better"
    tuning = TuningConfig(space=(), metric=metric, direction=natural, folds=3)
    gate = (
        MetricThreshold("accuracy", lower_bound=0.5),
        MetricThreshold("accuracy", direction="higher_is_better", absolute=-1e-10),
    )
    evaluation = replace(fake.config.evaluation, thresholds=gate)
    fake.config = replace(fake.config, tuning=tuning, evaluation=evaluation)
    fake.search = SEARCH
    assert main(fake, "tune") == 0
    assert capsys.readouterr().out.splitlines()[0] == said


def test_tune_refuses_a_trial_count_or_timeout_below_one(
    fake: FakePipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(fake, "tune", "--trials", "0")
    assert exited.value.code == 2
    assert "'0' is not a whole number above 0" in capsys.readouterr().err
    for seconds in ("-5", "inf", "nan", "soon"):
        with pytest.raises(SystemExit):
            main(fake, "tune", "--timeout", seconds)
        error = capsys.readouterr().err
        assert f"'{seconds}' is not a finite number of seconds above 0" in error
    assert fake.asked == []


def record(runs: Path, run_id: str, **fields: Any) -> None:
    path = runs / run_id / "record.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"run_id": run_id, **fields}), encoding="utf-8")


def test_runs_tells_experiments_apart_and_shows_the_gates_metrics(
    fake: FakePipeline, config: PipelineConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each run against the config as it is now: its estimator, the parameters and
    features that differ, its seed; then the metrics [evaluation] judges (accuracy
    and log_loss here), verdict, promotion and serving."""
    assert main(fake, "runs") == 0
    assert capsys.readouterr().out == (
        "no runs recorded yet: `make pipeline` makes one\n"
    )
    metrics = {OVERALL: {"accuracy": 0.75, "f1_macro": 0.5, "log_loss": 0.625}}
    same = config.as_dict()
    other = json.loads(json.dumps(same))
    other["model"]["params"] = {"C": 1.0}
    other["features"]["categorical"] = ["site", "colour"]
    runs = config.output.runs
    record(runs, "run-1", metrics=metrics, promoted=True, config=same, seed=3)
    record(runs, "run-2", promotion="pending")
    record(runs, "run-3", config=other, seed=4, experiment=True)
    fake.serving = "run-1"
    assert main(fake, "runs") == 0
    header, first, second, third = capsys.readouterr().out.splitlines()
    assert header.split() == [
        "run",
        "estimator",
        "params",
        "seed",
        "features",
        "accuracy",
        "log_loss",
        "blessed",
        "promoted",
        "serving",
    ]
    assert first.split() == [
        "run-1",
        "LogisticRegression",
        "as",
        "config",
        "3",
        "as",
        "config",
        "0.7500",
        "0.6250",
        "False",
        "True",
        "True",
    ]
    assert second.split() == [
        "run-2",
        "-",
        "-",
        "-",
        "-",
        "-",
        "-",
        "False",
        "pending",
        "False",
    ]
    assert third.split()[:6] == [
        "run-3",
        "LogisticRegression",
        "C=1.0",
        "4",
        "+colour",
        "-shift",
    ]
    assert third.split()[-2:] == ["experiment", "False"]


def test_runs_names_the_trial_a_tuned_run_was_trained_from(
    fake: FakePipeline, config: PipelineConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    tuning = {"study": "tune-abc", "trial": 3, "cv_score": 0.875, "params": {"C": 2}}
    same = config.as_dict()
    record(config.output.runs, "run-1", config=same)
    record(config.output.runs, "run-2", tuning=tuning, config=same)
    assert main(fake, "runs") == 0
    header, untuned, tuned = capsys.readouterr().out.splitlines()
    assert header.split()[-2:] == ["tuned", "cv_score"]
    assert untuned.split()[-2:] == ["-", "-"]
    assert tuned.split()[-3:] == ["tune-abc", "#3", "0.8750"]
    assert tuned.split()[2] == "C=2", "the tuned parameter, not the config's C=10.0"


def test_runs_with_only_damaged_records_says_so_not_that_there_are_none(
    fake: FakePipeline, config: PipelineConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    """A record.json holding a JSON array was a TypeError; then `runs` named it
    on stderr and still said "no runs recorded yet"."""
    damaged = config.output.runs / "20260101T000000000000Z-a" / "record.json"
    damaged.parent.mkdir(parents=True)
    damaged.write_text("[1, 2]", encoding="utf-8")
    assert main(fake, "runs") == 0
    printed = capsys.readouterr()
    assert printed.err == (
        f"left out {damaged}: unreadable run record (a JSON array, not an object)\n"
    )
    assert printed.out == "no readable run record: 1 left out, named above\n"


def test_predict_writes_the_configs_serving_rows_by_default(
    fake: FakePipeline,
    config: PipelineConfig,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    output = tmp_path / "out" / "predictions.csv"
    assert main(fake, "predict", "--output", str(output)) == 0
    assert capsys.readouterr().out == (
        f"{SERVING_ROWS} predictions written to {output}\n"
    )
    header = output.read_text(encoding="utf-8").splitlines()[0]
    assert header.endswith(",predicted_label,model_version")
    assert main(fake, "predict", str(config.data.train), "--output", str(output)) == 0
    assert f"{ROWS} predictions written" in capsys.readouterr().out


def test_predict_refuses_an_output_folder_before_building_the_pipeline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parser, command = command_parser("prog", "The pipeline commands, no pipeline.")

    def never(config_file: Path) -> TrainingPipeline:
        raise AssertionError("built a pipeline for a refused output")

    handlers = add_pipeline_commands(command, never)
    arguments = parser.parse_args(["predict", "--output", str(tmp_path)])
    assert dispatch(handlers, arguments) == 2
    assert capsys.readouterr().err == (
        f"error: {tmp_path}: is a folder: name a file to write\n"
    )


def test_predict_that_cannot_write_is_one_line(
    fake: FakePipeline,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(commands, "write_text", full)
    output = tmp_path / "predictions.csv"
    assert main(fake, "predict", "--output", str(output)) == 2
    assert capsys.readouterr().err == (
        f"error: {output}: cannot write (No space left on device)\n"
    )


def test_the_factory_is_given_the_config_file(
    fake: FakePipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    given: list[Path] = []

    def pipeline_from(config_file: Path) -> TrainingPipeline:
        given.append(config_file)
        return fake

    parser, command = command_parser("prog", "The pipeline commands on a fake.")
    handlers = add_pipeline_commands(command, pipeline_from)
    for name in ("run", "runs"):
        dispatch(handlers, parser.parse_args([name, "--config", "elsewhere.toml"]))
    assert given == [Path("elsewhere.toml")] * 2


@pytest.fixture
def served_views(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """What `whatif` would serve, and where: the server itself is tested on its own."""
    asked: list[tuple[Any, ...]] = []

    def serving(views: Any, config_path: Path, host: str, port: int) -> int:
        asked.append((views, config_path, host, port))
        return 0

    monkeypatch.setattr("research_guards.whatif_server.serve", serving)
    return asked


def test_whatif_explores_the_evaluation_rows_or_others_with_production_and_a_candidate(
    fake: FakePipeline,
    artifact: ModelArtifact,
    served_views: list[tuple[Any, ...]],
    tmp_path: Path,
) -> None:
    production = fake.config.output.models / "production" / MODEL_FILE
    save_artifact(production, replace(artifact, version="run-1"))
    save_artifact(tmp_path / "runs" / "run-2" / MODEL_FILE, artifact)
    assert main(fake, "whatif") == 0
    views, _, host, port = served_views[-1]
    assert (host, port) == ("127.0.0.1", 8765), "this machine only, unless asked"
    assert list(views.models) == ["production"] and len(views.rows) == 40
    rows = tmp_path / "rows.csv"
    table("multiclass", SERVING_ROWS).drop(columns=[LABEL]).to_csv(rows, index=False)
    candidate = ["--candidate", str(tmp_path / "runs" / "run-2")]
    assert main(fake, "whatif", "--rows", str(rows), *candidate, "--port", "0") == 0
    views = served_views[-1][0]
    assert list(views.models) == ["production", "candidate"]
    assert len(views.rows) == SERVING_ROWS and views.labels is None


def test_whatif_shows_a_candidate_alone_before_a_promotion_and_refuses_nothing_to_show(
    fake: FakePipeline,
    artifact: ModelArtifact,
    served_views: list[tuple[Any, ...]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(fake, "whatif") == 2
    assert capsys.readouterr().err == (
        "error: no production model yet: run the pipeline first\n"
    )
    empty = tmp_path / "runs" / "empty"
    empty.mkdir(parents=True)
    assert main(fake, "whatif", "--candidate", str(empty)) == 2
    assert f"{empty}: no {MODEL_FILE} in it" in capsys.readouterr().err
    save_artifact(empty / MODEL_FILE, artifact)
    assert main(fake, "whatif", "--candidate", str(empty)) == 0
    assert list(served_views[-1][0].models) == ["candidate"]
    for port in ("70000", "http"):
        with pytest.raises(SystemExit):
            main(fake, "whatif", "--port", port)
        assert f"{port!r} is not a port from 0 to 65535" in capsys.readouterr().err


def test_score_prints_the_served_models_metrics_and_changes_nothing(
    fake: FakePipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(fake, "score", "held.csv") == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "served model run-1 on 40 labelled rows of held.csv:"
    assert printed[1].split() == ["example_count", "accuracy"]
    assert printed[3].split() == ["overall", "40", "0.9000"]
    assert printed[4].split() == ["site=north", "12", "n/a"]
    assert printed[-1] == "nothing trained, recorded or promoted"
    assert fake.asked == [("score", Path("held.csv"))]
    assert "without a label" not in "\n".join(printed)

    fake.unscored = 2
    assert main(fake, "score", "held.csv") == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[1] == "dropped 2 rows without a label"
