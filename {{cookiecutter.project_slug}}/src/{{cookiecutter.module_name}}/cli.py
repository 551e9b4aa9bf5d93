"""The project's commands: builds a Pipeline from config and reports its results;
the data commands (infer-schema, validate-data, stats) and the one-line errors are the
standard's (research_guards.cli). The Pipeline and adopt bring scikit-learn, whose
import takes 0.7 s, so they are imported by the commands that use them: checking a
table starts in half a second.
"""

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

import pandas as pd
from research_guards.cli import EXIT_ANOMALIES
from research_guards.cli import Handler
from research_guards.cli import add_data_commands
from research_guards.cli import command_parser
from research_guards.cli import dispatch
from research_guards.cli import serving_rows
from research_guards.config import load_config
from research_guards.datatypes import OVERALL
from research_guards.datatypes import TASKS
from research_guards.datatypes import SearchSummary
from research_guards.errors import DataError
from research_guards.storage import check_output
from research_guards.storage import write_text

if TYPE_CHECKING:
    from {{ cookiecutter.module_name }}.pipeline import Pipeline
    from {{ cookiecutter.module_name }}.pipeline import RunResult

RUNS_COLUMNS = {
    "classification": ("accuracy", "f1_macro", "log_loss"),
    "regression": ("root_mean_squared_error", "mean_absolute_error", "r2"),
}


def pipeline_from(arguments: argparse.Namespace) -> "Pipeline":
    from {{ cookiecutter.module_name }}.pipeline import Pipeline

    loaded = load_config(arguments.config)
    return Pipeline.from_config(loaded).watch(arguments.config, loaded)


def report_verdict(pipeline: "Pipeline", result: "RunResult") -> int:
    """Every slice's metrics ("n/a" where undefined), then the gate's reasons (a
    refusal names each one), the files written (the page was drawn before
    production moved) and what became of the candidate."""
    verdict = result.verdict
    if verdict.candidate is not None:
        table = pd.DataFrame(verdict.candidate.metrics).T.rename_axis("slice")
        table = table.replace([float("inf"), float("-inf")], float("nan"))
        print(table.to_string(float_format="{:.4f}".format, na_rep="n/a"))
    if verdict.rows_note:
        print(verdict.rows_note)
    if verdict.gate.rubber_stamp:
        print("no production model yet: change thresholds skipped (rubber stamp)")
    for failure in verdict.gate.failures:
        print(f"gate: {failure}")
    verdict_dir = result.run_dir if result.recorded else pipeline.config.output.reports
    print(f"validation: {verdict_dir / 'validation.json'}")
    if result.report is not None:
        print(f"report: {result.report}")
    print(outcome(result))
    return 0 if verdict.gate.validation_ok and not result.withheld else EXIT_ANOMALIES


def outcome(result: "RunResult") -> str:
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


def run(arguments: argparse.Namespace) -> int:
    pipeline = pipeline_from(arguments)
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


def tune(arguments: argparse.Namespace) -> int:
    pipeline = pipeline_from(arguments)
    search = pipeline.tune(print, arguments.trials, arguments.timeout)
    print(f"best: {tuned_line(search)}")
    for name, importance in search.importances.items():
        print(f"importance {name}: {importance:.3f}")
    print(
        f"kept in {search.storage}; `make pipeline` trains the candidate with these "
        "parameters and gates it"
    )
    return 0


def evaluate(arguments: argparse.Namespace) -> int:
    pipeline = pipeline_from(arguments)
    return report_verdict(
        pipeline, pipeline.evaluate(arguments.candidate, arguments.promote, True)
    )


def runs(arguments: argparse.Namespace) -> int:
    pipeline = pipeline_from(arguments)
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
    table = pd.DataFrame(
        {
            "run": record["run_id"],
            **{
                name: record.get("metrics", {}).get(OVERALL, {}).get(name)
                for name in RUNS_COLUMNS[pipeline.config.task]
            },
            "blessed": record.get("validation", {}).get("validation_ok", False),
            "promoted": _promoted(record),
            "serving": record["run_id"] == serving,
            **tuned_columns(record.get("tuning")),
        }
        for record in records
    )
    if not any(record.get("tuning") for record in records):
        table = table.drop(columns=["tuned", "cv_score", "params"])  # never tuned
    print(table.to_string(index=False, float_format="{:.4f}".format, na_rep="-"))
    return 0


def _promoted(record: dict[str, Any]) -> bool | str:
    """True or False, or "pending" for a run stopped between its record and the
    rename (the serving column says whether production moved)."""
    if record.get("promotion") == "pending":
        return "pending"
    return bool(record.get("promoted", False))


def tuned_columns(tuning: dict[str, Any] | None) -> dict[str, Any]:
    """The study and trial a run's candidate was trained from, if any."""
    if not tuning:
        return {"tuned": "-", "cv_score": None, "params": "-"}
    params = " ".join(f"{key}={value}" for key, value in tuning["params"].items())
    return {
        "tuned": f"{tuning['study']} #{tuning['trial']}",
        "cv_score": tuning["cv_score"],
        "params": params,
    }


def predict(arguments: argparse.Namespace) -> int:
    check_output(arguments.output)
    pipeline = pipeline_from(arguments)
    predictions = pipeline.predict(serving_rows(pipeline.config, arguments.file))
    try:
        write_text(arguments.output, predictions.to_csv(index=False))
    except OSError as error:
        raise DataError(
            f"{arguments.output}: cannot write ({error.strerror})"
        ) from None
    print(f"{len(predictions)} predictions written to {arguments.output}")
    return 0


def adopt_table(arguments: argparse.Namespace) -> int:
    from research_guards.adopt import adopt

    adoption = adopt(arguments.config, arguments.file, arguments.label, arguments.task)
    for line in adoption.lines():
        print(line)
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


def parser() -> tuple[argparse.ArgumentParser, dict[str, Handler]]:
    """The project's commands and the standard's data commands, with their
    handlers."""
    main_parser, command = command_parser(
        "python -m {{ cookiecutter.module_name }}",
        "Validate data; train, evaluate and serve the project's model.",
    )
    running = command(
        "run", "validate the data, train, gate and promote a model; record the run"
    )
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
    tuning = command(
        "tune",
        "search [tuning]'s space by cross-validation on the training rows; a later "
        "tune resumes the study, and run trains with its best parameters",
    )
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
    evaluating = command("evaluate", "gate a saved model against the production one")
    evaluating.add_argument(
        "--candidate",
        type=Path,
        required=True,
        help="folder holding the model.joblib to gate, e.g. runs/<run id>",
    )
    evaluating.add_argument(
        "--promote", action="store_true", help="promote it to production if blessed"
    )
    command("runs", "list the recorded runs with their metrics and verdicts")
    predicting = command("predict", "predict the label for the rows of a CSV file")
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
    adopting = command(
        "adopt",
        "make a CSV table the project's data: config, schema and a serving sample",
    )
    adopting.add_argument("file", type=Path, help="the CSV table, with a label column")
    adopting.add_argument("--label", required=True, help="the column to predict")
    adopting.add_argument(
        "--task",
        choices=TASKS,
        help="default: classification for text or at most 20 whole numbers, "
        "else regression",
    )
    handlers: dict[str, Handler] = {
        "run": run,
        "tune": tune,
        "evaluate": evaluate,
        "runs": runs,
        "predict": predict,
        "adopt": adopt_table,
    }
    return main_parser, handlers | add_data_commands(command)


def main(argv: Sequence[str] | None = None) -> int:
    main_parser, handlers = parser()
    return dispatch(handlers, main_parser.parse_args(argv))
