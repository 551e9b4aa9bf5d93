"""Command line: builds a Pipeline from config; reports results or one-line errors.

Exit codes: 0 done, 1 the data has anomalies or drifted, 2 unusable input or config.
"""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from {{ cookiecutter.module_name }}.config import DEFAULT_CONFIG
from {{ cookiecutter.module_name }}.config import load_config
from {{ cookiecutter.module_name }}.errors import AnomaliesFound
from {{ cookiecutter.module_name }}.errors import DataError
from {{ cookiecutter.module_name }}.errors import ProjectError
from {{ cookiecutter.module_name }}.pipeline import Pipeline

EXIT_ANOMALIES = 1
EXIT_USER_ERROR = 2


def run(arguments: argparse.Namespace) -> int:
    result = Pipeline.from_config(load_config(arguments.config)).run()
    for comparison in result.skew:
        print(f"skew {comparison}")
    metrics = ", ".join(f"{name}={value:.4f}" for name, value in result.metrics.items())
    print(f"run {result.run_id}: {metrics}")
    print(f"model: {result.model_path}")
    print(f"record: {result.record_path}")
    return 0


def predict(arguments: argparse.Namespace) -> int:
    pipeline = Pipeline.from_config(load_config(arguments.config))
    predictions = pipeline.predict(arguments.file)
    try:
        arguments.output.parent.mkdir(parents=True, exist_ok=True)
        predictions.to_csv(arguments.output, index=False)
    except OSError as error:
        raise DataError(
            f"{arguments.output}: cannot write ({error.strerror})"
        ) from None
    print(f"{len(predictions)} predictions written to {arguments.output}")
    return 0


def infer_schema(arguments: argparse.Namespace) -> int:
    config = load_config(arguments.config)
    written = Pipeline.infer_schema(config, arguments.file, arguments.force)
    print(f"schema written to {written}: review it, then commit it")
    return 0


def validate_data(arguments: argparse.Namespace) -> int:
    pipeline = Pipeline.from_config(load_config(arguments.config))
    report = pipeline.validate_data(arguments.file, arguments.env, arguments.baseline)
    for anomaly in report.anomalies:
        print(anomaly)
    for comparison in report.drift:
        print(f"drift {comparison}")
    if report.clean:
        print(f"{arguments.file}: no anomalies ({arguments.env})")
        return 0
    return EXIT_ANOMALIES


def stats(arguments: argparse.Namespace) -> int:
    pipeline = Pipeline.from_config(load_config(arguments.config))
    written = pipeline.write_statistics(
        arguments.file, arguments.other, arguments.output
    )
    print(f"statistics written to {written}")
    return 0


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(
        prog="python -m {{ cookiecutter.module_name }}",
        description="Validate data; train, evaluate and serve the project's model.",
        epilog="Exit codes: 0 done, 1 anomalies found, 2 unusable input or config.",
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

    command("run", "validate the data, train, evaluate, save the model and a record")
    predicting = command("predict", "predict the label for the rows of a CSV file")
    predicting.add_argument("file", type=Path, help="CSV file of rows to predict")
    predicting.add_argument(
        "--output",
        type=Path,
        default=Path("predictions.csv"),
        help="where to write the rows with their predictions (default: %(default)s)",
    )
    infer = command("infer-schema", "infer schema/schema.json from training data")
    infer.add_argument(
        "file", type=Path, nargs="?", help="CSV file (default: the config's data)"
    )
    infer.add_argument("--force", action="store_true", help="replace a schema")
    validate = command("validate-data", "check a CSV file against the schema")
    validate.add_argument("file", type=Path, help="CSV file to check")
    validate.add_argument(
        "--env",
        choices=["training", "serving"],
        default="training",
        help="serving data may lack the label (default: %(default)s)",
    )
    validate.add_argument(
        "--baseline", type=Path, help="a previous CSV file to measure drift against"
    )
    statistics = command("stats", "write a static HTML page of the data's statistics")
    statistics.add_argument("file", type=Path, help="CSV file, e.g. training data")
    statistics.add_argument(
        "other", type=Path, nargs="?", help="a second CSV file to overlay"
    )
    statistics.add_argument(
        "--output",
        type=Path,
        default=Path("reports/statistics.html"),
        help="where to write the page (default: %(default)s)",
    )
    return main_parser


HANDLERS = {
    "run": run,
    "predict": predict,
    "infer-schema": infer_schema,
    "validate-data": validate_data,
    "stats": stats,
}


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    try:
        return HANDLERS[arguments.command](arguments)
    except ProjectError as error:
        print(f"error: {error}", file=sys.stderr)
        anomalies = isinstance(error, AnomaliesFound)
        return EXIT_ANOMALIES if anomalies else EXIT_USER_ERROR
