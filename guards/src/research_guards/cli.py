"""The standard's data commands (infer-schema, validate-data, stats) and the one-line
error handling every command shares. A repository's own CLI adds its pipeline's
commands to this parser; the data commands need no model, so checking a table starts
in half a second.

Exit codes: 0 done, 1 the data has anomalies or drifted or the gate refused the model,
2 unusable input or config, 130 interrupted.
"""

import argparse
import sys
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from pathlib import Path

from research_guards.config import DEFAULT_CONFIG
from research_guards.config import PipelineConfig
from research_guards.config import load_config
from research_guards.data_check import ENGINES
from research_guards.data_check import DataCheck
from research_guards.data_validation import Comparison
from research_guards.errors import AnomaliesFound
from research_guards.errors import ConfigError
from research_guards.errors import ProjectError
from research_guards.storage import check_output

EXIT_ANOMALIES = 1
EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130  # the shell's code for Ctrl-C
INTERRUPTED = (
    "every file is written whole or not at all, so nothing is half-written; "
    "production is the last model promoted, and a cut-short run leaves a "
    "runs/<run id>/ folder without a record.json"
)
EPILOG = (
    "Exit codes: 0 done, 1 anomalies found or model refused, 2 unusable input or "
    "config."
)

Handler = Callable[[argparse.Namespace], int]
AddCommand = Callable[[str, str], argparse.ArgumentParser]


def serving_rows(config: PipelineConfig, given: Path | None) -> Path:
    """The file named on the command line, else the config's [data] serving rows."""
    chosen = given or config.data.serving
    if chosen is None:
        raise ConfigError(
            "name a CSV file of rows, or set [data] serving in the config"
        )
    return chosen


def infer_schema(arguments: argparse.Namespace) -> int:
    config = load_config(arguments.config)
    written = DataCheck.infer_schema(config, arguments.file, arguments.force)
    print(f"schema written to {written}: review it, then commit it")
    return 0


def validate_data(arguments: argparse.Namespace) -> int:
    check = DataCheck.from_config(load_config(arguments.config))
    data = (
        serving_rows(check.config, arguments.file)
        if arguments.env == "serving"
        else arguments.file or check.config.data.train
    )
    if arguments.scheduler is not None and arguments.engine != "dask":
        raise ConfigError("--scheduler needs --engine dask")
    report = check.validate_data(
        data, arguments.env, arguments.baseline, arguments.engine, arguments.scheduler
    )
    for anomaly in report.anomalies:
        print(anomaly)
    for comparison in report.drift:
        print(f"drift {comparison}")
    for note in report.notes.values():
        print(note)
    if not report.clean:
        return EXIT_ANOMALIES
    print(
        f"{data}: no anomalies ({arguments.env})"
        + unjudged(
            "drift comparison(s) above the threshold",
            undecided(report.drift),
            "compare",
        )
        + unjudged("presence check(s) below the floor", list(report.notes), "check")
    )
    return 0


def undecided(comparisons: Sequence[Comparison]) -> list[str]:
    """The features whose distance is above the threshold but within the noise (or
    with an empty side): neither a pass nor an anomaly."""
    return [c.feature for c in comparisons if c.too_small or c.empty_side]


def unjudged(checks: str, features: Sequence[str], verb: str) -> str:
    """A check the sample was too small to judge is not a pass: the summary line
    says so, so "no anomalies" never hides it."""
    if not features:
        return ""
    return (
        f"; {len(features)} {checks} not judged on so few rows "
        f"({', '.join(features)}): {verb} more rows to decide"
    )


def stats(arguments: argparse.Namespace) -> int:
    check_output(arguments.output)
    check = DataCheck.from_config(load_config(arguments.config))
    data = arguments.file or check.config.data.train
    other = arguments.rows or arguments.other
    if other is None and arguments.file is None:
        other = check.config.data.serving
    written = check.write_statistics(data, other, arguments.output)
    print(f"statistics written to {written}")
    return 0


def command_parser(
    prog: str, description: str
) -> tuple[argparse.ArgumentParser, AddCommand]:
    """The top-level parser and a function adding a command that takes --config."""
    main_parser = argparse.ArgumentParser(
        prog=prog, description=description, epilog=EPILOG
    )
    commands = main_parser.add_subparsers(dest="command", required=True)
    config_option = argparse.ArgumentParser(add_help=False)
    config_option.add_argument(
        "--config",
        type=Path,
        default=DEFAULT_CONFIG,
        help=f"pipeline config (default: {DEFAULT_CONFIG})",
    )

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, parents=[config_option], help=help_text)

    return main_parser, command


def add_data_commands(command: AddCommand) -> dict[str, Handler]:
    """infer-schema, validate-data and stats; returns their handlers by name."""
    infer = command("infer-schema", "infer schema/schema.json from training data")
    infer.add_argument(
        "file",
        type=Path,
        nargs="?",
        help="CSV or Parquet file, folder or glob (default: the config's data)",
    )
    infer.add_argument("--force", action="store_true", help="replace a schema")
    validate = command("validate-data", "check a table against the schema")
    validate.add_argument(
        "file",
        type=Path,
        nargs="?",
        help="CSV or Parquet file, folder or glob to check (default: the config's "
        "training data, or with --env serving its [data] serving rows)",
    )
    validate.add_argument(
        "--env",
        choices=["training", "evaluation", "serving"],
        default="training",
        help="evaluation data (held-out labelled rows) may be few, serving data may "
        "lack the label, and both any column that is not a feature "
        "(default: %(default)s)",
    )
    validate.add_argument(
        "--baseline", type=Path, help="a previous table to measure drift against"
    )
    validate.add_argument(
        "--engine",
        choices=ENGINES,
        default="local",
        help="where statistics are computed: this process a chunk at a time, or a "
        "Dask cluster (needs `uv sync --extra dask`; default: %(default)s)",
    )
    validate.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="a running Dask scheduler, e.g. tcp://host:8786 (default with "
        "--engine dask: a cluster on this machine)",
    )
    statistics = command("stats", "write a static HTML page of the data's statistics")
    statistics.add_argument(
        "file",
        type=Path,
        nargs="?",
        help="a CSV or Parquet file, a folder or a quoted glob (default: the "
        "config's training data, overlaid with its [data] serving rows)",
    )
    statistics.add_argument(
        "other", type=Path, nargs="?", help="a second table to overlay"
    )
    statistics.add_argument(
        "--rows", type=Path, help="serving rows to overlay on the training data"
    )
    statistics.add_argument(
        "--output",
        type=Path,
        default=Path("reports/statistics.html"),
        help="where to write the page (default: %(default)s)",
    )
    return {
        "infer-schema": infer_schema,
        "validate-data": validate_data,
        "stats": stats,
    }


def dispatch(handlers: Mapping[str, Handler], arguments: argparse.Namespace) -> int:
    """Run the command; a refusal or Ctrl-C is one line on stderr and an exit code,
    never a traceback."""
    try:
        return handlers[arguments.command](arguments)
    except KeyboardInterrupt as interruption:
        print(f"interrupted: {str(interruption) or INTERRUPTED}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ProjectError as error:
        print(f"error: {error}", file=sys.stderr)
        anomalies = isinstance(error, AnomaliesFound)
        return EXIT_ANOMALIES if anomalies else EXIT_USER_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    """The data commands alone, for a table outside any repository's pipeline."""
    main_parser, command = command_parser(
        "python -m research_guards", "Check tables against a schema and each other."
    )
    handlers = add_data_commands(command)
    return dispatch(handlers, main_parser.parse_args(argv))
