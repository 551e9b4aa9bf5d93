"""The commands a repository's pipeline answers: run, tune, evaluate, runs and predict,
their options and what they print. The repository passes a factory building its
pipeline from a config file; the commands need of it only what TrainingPipeline
describes, so any pipeline with that API is driven the same way, printing the same
lines. Nothing here imports scikit-learn: the pipeline is built by the command that
runs it, so the data commands beside these still start in half a second.
"""

import argparse
import math
import sys
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any
from typing import Protocol

import pandas as pd

from research_guards.cli import EXIT_ANOMALIES
from research_guards.cli import AddCommand
from research_guards.cli import Handler
from research_guards.cli import serving_rows
from research_guards.config import EvaluationConfig
from research_guards.config import MetricThreshold
from research_guards.config import PipelineConfig
from research_guards.config import TuningConfig
from research_guards.data_validation import Comparison
from research_guards.datatypes import OVERALL
from research_guards.datatypes import Dataset
from research_guards.datatypes import Evaluation
from research_guards.datatypes import Scored
from research_guards.datatypes import SearchSummary
from research_guards.datatypes import readable
from research_guards.datatypes import slice_name
from research_guards.errors import DataError
from research_guards.gate import Verdict
from research_guards.gate import check_threshold
from research_guards.storage import check_output
from research_guards.storage import write_text
from research_guards.whatif_command import WhatIfPipeline
from research_guards.whatif_command import whatif
from research_guards.whatif_command import whatif_options

if TYPE_CHECKING:
    from research_guards.tuner import Tuner  # imports scikit-learn: types only

RUNS_COLUMNS = {
    "classification": ("accuracy", "f1_macro", "log_loss"),
    "regression": ("root_mean_squared_error", "mean_absolute_error", "r2"),
}


class GatedRun(Protocol):
    """A gated candidate as the commands report it: its run, the verdict, the
    release it became, and why a blessed one was withheld."""

    @property
    def run_id(self) -> str: ...

    @property
    def skew(self) -> Sequence[Comparison]: ...

    @property
    def verdict(self) -> Verdict: ...

    @property
    def run_dir(self) -> Path: ...

    @property
    def release(self) -> Path | None: ...

    @property
    def evaluation_rows(self) -> Dataset: ...

    @property
    def recorded(self) -> bool: ...

    @property
    def tuning(self) -> SearchSummary | None: ...

    @property
    def report(self) -> Path | None: ...

    @property
    def withheld(self) -> str | None: ...


class RunRecords(Protocol):
    """Where the run records are: `runs` lists them, readable or not."""

    def scan(self) -> tuple[list[dict[str, Any]], list[str]]: ...


class TrainingPipeline(WhatIfPipeline, Protocol):
    """What the commands drive: train, tune, gate, list and serve, and what the
    What-If page explores. A repository's Pipeline satisfies it without naming it."""

    @property
    def tuner(self) -> "Tuner | None": ...

    @property
    def recorder(self) -> RunRecords: ...

    def run(self, promote: bool, use_tuned: bool, report: bool) -> GatedRun: ...

    def space_note(self) -> str | None: ...

    def tune(
        self,
        progress: Callable[[str], None],
        trials: int | None,
        timeout: float | None,
    ) -> SearchSummary: ...

    def evaluate(
        self, candidate_dir: Path, promote: bool, report: bool
    ) -> GatedRun: ...

    def serving_version(self) -> str | None: ...

    def predict(self, rows_path: Path) -> pd.DataFrame: ...

    def score(self, rows_path: Path) -> Scored: ...


# The config file given with --config, to the repository's pipeline built from it.
PipelineFactory = Callable[[Path], TrainingPipeline]
PipelineHandler = Callable[[PipelineFactory, argparse.Namespace], int]


def report_verdict(pipeline: TrainingPipeline, result: GatedRun) -> int:
    """Every slice's metrics ("n/a" where undefined), then the gate's reasons (a
    refusal names each one), the files written (the page was drawn before
    production moved) and what became of the candidate."""
    verdict = result.verdict
    if verdict.candidate is not None:
        print(metrics_table(verdict.candidate))
    if verdict.rows_note:
        print(verdict.rows_note)
    if verdict.gate.rubber_stamp:
        print("no production model yet: change thresholds skipped (rubber stamp)")
    if verdict.candidate is not None:
        thresholds = pipeline.config.evaluation.thresholds or ()
        for line in thresholds_met(thresholds, verdict.candidate, verdict.baseline):
            print(line)
    for failure in verdict.gate.failures:
        print(f"gate: {failure}")
    verdict_dir = result.run_dir if result.recorded else pipeline.config.output.reports
    print(f"validation: {verdict_dir / 'validation.json'}")
    if result.report is not None:
        print(f"report: {result.report}")
    print(outcome(result))
    return 0 if verdict.gate.validation_ok and not result.withheld else EXIT_ANOMALIES


def thresholds_met(
    thresholds: Sequence[MetricThreshold],
    candidate: Evaluation,
    baseline: Evaluation | None,
) -> list[str]:
    """A line per threshold the candidate met, with what it was met by: a blessed
    run says why, as a refused one does. Before any production model only bounds are
    judged (the rubber stamp's line says so), so only they are reported."""
    production = baseline.metrics if baseline is not None else None
    lines = []
    for threshold in thresholds:
        judged = threshold
        if production is None:
            judged = replace(threshold, absolute=None, relative=None)
        condition = judged.condition()
        if not condition or check_threshold(judged, candidate.metrics, production):
            continue
        where = slice_name(dict(threshold.slice))
        metric = threshold.metric
        observed = f"{metric} {candidate.metrics[where][metric]:.4f}"
        if production is not None and judged.has_change:
            observed += f" (production {production[where][metric]:.4f})"
        lines.append(f"gate passed: {where}: {observed}, {condition}")
    return lines


def metrics_table(evaluation: Evaluation) -> str:
    """Every slice's metrics, by the gate's names; "n/a" where undefined."""
    table = readable(pd.DataFrame(evaluation.metrics).T.rename_axis("slice"))
    return table.to_string(float_format="{:.4f}".format, na_rep="n/a")


def outcome(result: GatedRun) -> str:
    if result.release is not None:
        return f"promoted to production: {result.release}"
    if result.withheld:
        return (
            f"blessed but not promoted: {result.withheld}, so its model may not fit "
            "the project as it is now; production unchanged; run again"
        )
    if result.verdict.gate.validation_ok:
        how = "--no-promote: an experiment" if result.recorded else "pass --promote"
        return f"blessed: would have been promoted; not released ({how})"
    return f"refused: production unchanged; the candidate stays in {result.run_dir}"


def run(pipeline_from: PipelineFactory, arguments: argparse.Namespace) -> int:
    pipeline = pipeline_from(arguments.config)
    print(f"task: {pipeline.config.task} of {pipeline.config.data.label!r}")
    result = pipeline.run(
        promote=not arguments.no_promote, use_tuned=not arguments.untuned, report=True
    )
    note = pipeline.space_note()
    if result.tuning is not None:
        print(f"tuned: {tuned_line(result.tuning)}")
    elif note is not None:
        print(note)
    elif pipeline.tuner is not None and not arguments.untuned:
        print("no search of this config and data yet: [model.params] as written")
    if result.evaluation_rows.unlabelled:
        print(f"dropped {result.evaluation_rows.unlabelled} rows without a label")
    for comparison in result.skew:
        print(f"skew {comparison}")
    print(f"run {result.run_id}")
    return report_verdict(pipeline, result)


def tuned_line(search: SearchSummary) -> str:
    """Which trial of which study, its parameters and cross-validated score."""
    params = ", ".join(f"{key}={value!r}" for key, value in search.best.params.items())
    return (
        f"trial #{search.best.number} of study {search.study} ({params}): "
        f"{search.metric} {search.best.score:.4f} on {search.folds}-fold CV"
    )


def search_aim(tuning: TuningConfig, evaluation: EvaluationConfig) -> str:
    """What the search optimises, and whether the gate judges it: a search for one
    metric can find a candidate the gate refuses on another."""
    goal = "maximises" if tuning.direction == "higher_is_better" else "minimises"
    aim = f"the search {goal} {tuning.metric} ({tuning.folds}-fold CV, training rows)"
    judged = list(
        dict.fromkeys(t.metric for t in evaluation.thresholds or () if t.has_change)
    )
    if not judged or tuning.metric in judged:
        return f"{aim}, the metric the gate compares with production"
    return (
        f"{aim}; the gate compares {', '.join(judged)} with production, so a tuned "
        f"candidate may still be refused: set [tuning] metric to "
        f"{' or '.join(repr(m) for m in judged)} to search for what is judged"
    )


def tune(pipeline_from: PipelineFactory, arguments: argparse.Namespace) -> int:
    pipeline = pipeline_from(arguments.config)
    if pipeline.config.tuning is not None:  # else tune says why it cannot search
        print(search_aim(pipeline.config.tuning, pipeline.config.evaluation))
    search = pipeline.tune(print, arguments.trials, arguments.timeout)
    print(f"best: {tuned_line(search)}")
    for name, importance in search.importances.items():
        print(f"importance {name}: {importance:.3f}")
    print(
        f"kept in {search.storage}; `make pipeline` trains the candidate with these "
        "parameters and gates it"
    )
    return 0


def evaluate(pipeline_from: PipelineFactory, arguments: argparse.Namespace) -> int:
    pipeline = pipeline_from(arguments.config)
    return report_verdict(
        pipeline, pipeline.evaluate(arguments.candidate, arguments.promote, True)
    )


def runs(pipeline_from: PipelineFactory, arguments: argparse.Namespace) -> int:
    pipeline = pipeline_from(arguments.config)
    records, unreadable = pipeline.recorder.scan()
    serving = pipeline.serving_version()
    for line in unreadable:
        print(f"left out {line}", file=sys.stderr)
    if not records and unreadable:
        print(f"no readable run record: {len(unreadable)} left out, named above")
        return 0
    if not records:
        print("no runs recorded yet: `make pipeline` makes one")
        return 0
    table = runs_table(records, pipeline.config, serving)
    print(table.to_string(index=False, float_format="{:.4f}".format, na_rep="-"))
    return 0


def runs_table(
    records: list[dict[str, Any]], config: PipelineConfig, serving: str | None
) -> pd.DataFrame:
    """One row a run, told apart from the others: its estimator, the parameters it
    trained with that differ from the config's [model.params] now, its seed, the
    features it added or dropped against the config now, the overall metrics the
    gate judges (as [evaluation] names them), its verdict, promotion, whether it
    serves, and the trial it was trained from (no such columns if none was tuned)."""
    table = pd.DataFrame(
        {
            "run": record["run_id"],
            **_setup(record, config),
            **{
                name: record.get("metrics", {}).get(OVERALL, {}).get(name)
                for name in gate_metrics(config)
            },
            "blessed": record.get("validation", {}).get("validation_ok", False),
            "promoted": _promoted(record),
            "serving": record["run_id"] == serving,
            **tuned_columns(record.get("tuning")),
        }
        for record in records
    )
    if not any(record.get("tuning") for record in records):
        table = table.drop(columns=["tuned", "cv_score"])  # never tuned
    return table


def gate_metrics(config: PipelineConfig) -> list[str]:
    """The metrics [evaluation] thresholds name, else the task's usual three."""
    named = [threshold.metric for threshold in config.evaluation.thresholds or ()]
    return list(dict.fromkeys(named)) or list(RUNS_COLUMNS[config.task])


def _setup(record: dict[str, Any], config: PipelineConfig) -> dict[str, Any]:
    """What the run trained, against the config as it is now."""
    recorded = record.get("config")
    if not isinstance(recorded, dict):
        return {"estimator": "-", "params": "-", "seed": "-", "features": "-"}
    model = recorded.get("model", {})
    params = {
        **model.get("params", {}),
        **(record.get("tuning") or {}).get("params", {}),
    }
    differing = [
        f"{name}={value}"
        for name, value in params.items()
        if config.model.params.get(name, object()) != value
    ]
    differing += [
        f"{name}=default" for name in config.model.params if name not in params
    ]
    features = recorded.get("features", {})
    theirs = [*features.get("numeric", []), *features.get("categorical", [])]
    ours = config.features.columns
    changed = [f"+{name}" for name in theirs if name not in ours]
    changed += [f"-{name}" for name in ours if name not in theirs]
    return {
        "estimator": str(model.get("estimator", "-")).rsplit(".", 1)[-1],
        "params": " ".join(differing) or "as config",
        "seed": record.get("seed", recorded.get("seed", "-")),
        "features": " ".join(changed) or "as config",
    }


def _promoted(record: dict[str, Any]) -> bool | str:
    """True or False, "experiment" for a run never meant to be, or "pending" for a
    run stopped between its record and the rename (the serving column says whether
    production moved)."""
    if record.get("promotion") == "pending":
        return "pending"
    if record.get("experiment"):
        return "experiment"
    return bool(record.get("promoted", False))


def tuned_columns(tuning: dict[str, Any] | None) -> dict[str, Any]:
    """The study and trial a run's candidate was trained from, if any (the params
    column shows the parameters)."""
    if not tuning:
        return {"tuned": "-", "cv_score": None}
    return {
        "tuned": f"{tuning['study']} #{tuning['trial']}",
        "cv_score": tuning["cv_score"],
    }


def predict(pipeline_from: PipelineFactory, arguments: argparse.Namespace) -> int:
    check_output(arguments.output)  # before the model is looked for
    pipeline = pipeline_from(arguments.config)
    predictions = pipeline.predict(serving_rows(pipeline.config, arguments.file))
    try:
        write_text(arguments.output, predictions.to_csv(index=False))
    except OSError as error:
        raise DataError(
            f"{arguments.output}: cannot write ({error.strerror})"
        ) from None
    print(f"{len(predictions)} predictions written to {arguments.output}")
    return 0


def score(pipeline_from: PipelineFactory, arguments: argparse.Namespace) -> int:
    pipeline = pipeline_from(arguments.config)
    scored = pipeline.score(arguments.file)
    rows = int(scored.evaluation.metrics[OVERALL]["example_count"])
    print(f"served model {scored.version} on {rows} labelled rows of {arguments.file}:")
    if scored.unlabelled:
        print(f"dropped {scored.unlabelled} rows without a label")
    print(metrics_table(scored.evaluation))
    print("nothing trained, recorded or promoted")
    return 0


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number above 0")
    return int(text)


def positive_seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not (math.isfinite(seconds) and seconds > 0):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a finite number of seconds above 0"
        )
    return seconds


def add_pipeline_commands(
    command: AddCommand, pipeline_from: PipelineFactory
) -> dict[str, Handler]:
    """run, tune, evaluate, runs, predict, score and whatif, each on the pipeline
    `pipeline_from` builds from --config; returns their handlers by name."""
    _run_options(
        command(
            "run", "validate the data, train, gate and promote a model; record the run"
        )
    )
    _tune_options(
        command(
            "tune",
            "search [tuning]'s space by cross-validation on the training rows; a "
            "later tune resumes the study, and run trains with its best parameters",
        )
    )
    _evaluate_options(
        command("evaluate", "gate a saved model against the production one")
    )
    command("runs", "list the recorded runs with their metrics and verdicts")
    _predict_options(command("predict", "predict the label for the rows of a CSV file"))
    scoring = command(
        "score",
        "the served model's metrics on labelled rows, overall and per slice; "
        "nothing is trained or promoted",
    )
    scoring.add_argument(
        "file", type=Path, help="CSV or Parquet file of rows with the label column"
    )
    whatif_options(
        command(
            "whatif",
            "serve the What-If page on 127.0.0.1: edit rows, compare models, set "
            "thresholds per slice",
        )
    )
    handlers: dict[str, PipelineHandler] = {
        "run": run,
        "tune": tune,
        "evaluate": evaluate,
        "runs": runs,
        "predict": predict,
        "score": score,
        "whatif": whatif,
    }
    return {name: partial(handler, pipeline_from) for name, handler in handlers.items()}


def _run_options(running: argparse.ArgumentParser) -> None:
    running.add_argument(
        "--no-promote",
        action="store_true",
        help="an experiment: gate and record the candidate, never release it",
    )
    running.add_argument(
        "--untuned",
        action="store_true",
        help="train with [model.params] as written, not a search's best parameters",
    )


def _tune_options(tuning: argparse.ArgumentParser) -> None:
    tuning.add_argument(
        "--trials",
        type=positive_int,
        help="the study's total trials (default: [tuning] trials)",
    )
    tuning.add_argument(
        "--timeout",
        type=positive_seconds,
        metavar="SECONDS",
        help="stop this search after SECONDS (default: [tuning] timeout_seconds)",
    )


def _evaluate_options(evaluating: argparse.ArgumentParser) -> None:
    evaluating.add_argument(
        "--candidate",
        type=Path,
        required=True,
        help="folder holding the model.joblib to gate, e.g. runs/<run id>",
    )
    evaluating.add_argument(
        "--promote", action="store_true", help="promote it to production if blessed"
    )


def _predict_options(predicting: argparse.ArgumentParser) -> None:
    predicting.add_argument(
        "file",
        type=Path,
        nargs="?",
        help="CSV file of rows to predict (default: the config's [data] serving)",
    )
    predicting.add_argument(
        "--output",
        type=Path,
        default=Path("predictions.csv"),
        help="where to write the rows with their predictions (default: %(default)s)",
    )
