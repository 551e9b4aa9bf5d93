"""Command line: builds a Pipeline from config; reports results or one-line errors."""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from {{ cookiecutter.module_name }}.config import DEFAULT_CONFIG
from {{ cookiecutter.module_name }}.config import load_config
from {{ cookiecutter.module_name }}.errors import ProjectError
from {{ cookiecutter.module_name }}.pipeline import Pipeline

EXIT_USER_ERROR = 2


def run(arguments: argparse.Namespace) -> int:
    result = Pipeline.from_config(load_config(arguments.config)).run()
    metrics = ", ".join(f"{name}={value:.4f}" for name, value in result.metrics.items())
    print(f"run {result.run_id}: {metrics}")
    print(f"model: {result.model_path}")
    print(f"record: {result.record_path}")
    return 0


def predict(arguments: argparse.Namespace) -> int:
    pipeline = Pipeline.from_config(load_config(arguments.config))
    predictions = pipeline.predict(arguments.file)
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    predictions.to_csv(arguments.output, index=False)
    print(f"{len(predictions)} predictions written to {arguments.output}")
    return 0


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(
        prog="python -m {{ cookiecutter.module_name }}",
        description="Train, evaluate and serve the project's model.",
    )
    commands = main_parser.add_subparsers(dest="command", required=True)
    config_option = argparse.ArgumentParser(add_help=False)
    config_option.add_argument(
        "--config",
        type=Path,
        default=DEFAULT_CONFIG,
        help=f"pipeline config (default: {DEFAULT_CONFIG})",
    )
    run_parser = commands.add_parser(
        "run",
        parents=[config_option],
        help="validate the data, train, evaluate, save the model and a run record",
    )
    run_parser.set_defaults(handler=run)
    predict_parser = commands.add_parser(
        "predict",
        parents=[config_option],
        help="predict the label for the rows of a CSV file with the saved model",
    )
    predict_parser.add_argument("file", type=Path, help="CSV file of rows to predict")
    predict_parser.add_argument(
        "--output",
        type=Path,
        default=Path("predictions.csv"),
        help="where to write the rows with their predictions (default: %(default)s)",
    )
    predict_parser.set_defaults(handler=predict)
    return main_parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    try:
        exit_code: int = arguments.handler(arguments)
    except ProjectError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    return exit_code
