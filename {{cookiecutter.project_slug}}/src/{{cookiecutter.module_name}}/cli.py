"""The project's commands: the standard's (research_guards.commands: run, tune,
evaluate, runs and predict, driving this project's Pipeline; research_guards.cli:
infer-schema, validate-data, stats and the one-line errors) and adopt. The Pipeline
and adopt bring scikit-learn, whose import takes 0.7 s, so they are imported by the
commands that use them: checking a table starts in half a second.
"""

import argparse
from collections.abc import Sequence
from pathlib import Path

from research_guards.cli import Handler
from research_guards.cli import add_data_commands
from research_guards.cli import command_parser
from research_guards.cli import dispatch
from research_guards.commands import TrainingPipeline
from research_guards.commands import add_pipeline_commands
from research_guards.config import load_config
from research_guards.datatypes import TASKS


def pipeline_from(config_file: Path) -> TrainingPipeline:
    """The project's Pipeline, promoting only while the config still reads as it
    did when loaded (see Pipeline.watch)."""
    from {{ cookiecutter.module_name }}.pipeline import Pipeline

    loaded = load_config(config_file)
    return Pipeline.from_config(loaded).watch(config_file, loaded)


def adopt_table(arguments: argparse.Namespace) -> int:
    from research_guards.adopt import adopt

    adoption = adopt(arguments.config, arguments.file, arguments.label, arguments.task)
    for line in adoption.lines():
        print(line)
    return 0


def parser() -> tuple[argparse.ArgumentParser, dict[str, Handler]]:
    """The standard's commands on the project's Pipeline, adopt, and the standard's
    data commands, with their handlers."""
    main_parser, command = command_parser(
        "python -m {{ cookiecutter.module_name }}",
        "Validate data; train, evaluate and serve the project's model.",
    )
    handlers = add_pipeline_commands(command, pipeline_from)
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
    return main_parser, handlers | {"adopt": adopt_table} | add_data_commands(command)


def main(argv: Sequence[str] | None = None) -> int:
    main_parser, handlers = parser()
    return dispatch(handlers, main_parser.parse_args(argv))
