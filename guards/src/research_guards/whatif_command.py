"""`whatif`: the What-If page on a repository's production model and, when given, a
candidate run, over its evaluation rows (or other rows). scikit-learn and the server
are imported when the command runs, so the other commands still start at once."""

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any
from typing import Protocol

import pandas as pd

from research_guards.config import PipelineConfig
from research_guards.data_validation import DataValidator
from research_guards.datatypes import Dataset
from research_guards.errors import ProjectError

DEFAULT_PORT = 8765


class WhatIfPipeline(Protocol):
    """What the page needs of a repository's pipeline: its config, the Predictor's
    validator, the rows the gate judges by, and the model it serves."""

    @property
    def config(self) -> PipelineConfig: ...

    @property
    def validator(self) -> DataValidator: ...

    def evaluation_rows(self) -> Dataset: ...

    def served(self) -> Path: ...


def whatif(pipeline_from: Callable[[Path], Any], arguments: argparse.Namespace) -> int:
    from research_guards.whatif_server import serve

    pipeline: WhatIfPipeline = pipeline_from(arguments.config)
    views = views_of(pipeline, arguments.rows, arguments.candidate)
    return serve(views, arguments.config, arguments.host, arguments.port)


def views_of(
    pipeline: WhatIfPipeline, rows: Path | None, candidate: Path | None
) -> Any:
    """The views over the evaluation rows, or `rows`, for production and the
    candidate; with no production model yet, the candidate alone."""
    from research_guards.sources import source_for
    from research_guards.storage import load_artifact
    from research_guards.storage import saved_model
    from research_guards.whatif import WhatIf

    models = {}
    try:
        models["production"] = load_artifact(pipeline.served())
    except ProjectError:
        if candidate is None:
            raise
    if candidate is not None:
        models["candidate"] = load_artifact(saved_model(candidate))
    label = pipeline.config.data.label
    labels: "pd.Series[Any] | None"
    if rows is None:
        evaluation = pipeline.evaluation_rows()
        features, labels = evaluation.features, evaluation.labels
    else:
        frame = source_for(rows).read()
        labels = frame[label] if label in frame.columns else None
        features = frame.drop(columns=[label], errors="ignore")
    return WhatIf(
        features,
        labels,
        models,
        pipeline.validator,
        pipeline.config.evaluation.counterfactual_delta,
        pipeline.config.evaluation.cost_ratio,
    )


def port_number(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port from 0 to 65535")
    return int(text)


def whatif_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port",
        type=port_number,
        default=DEFAULT_PORT,
        help="the port to serve on (default: %(default)s; 0 picks a free one)",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="the interface to serve on (default: %(default)s, this machine only)",
    )
    parser.add_argument(
        "--rows",
        type=Path,
        help="a CSV or Parquet file of rows to explore (default: the evaluation rows)",
    )
    parser.add_argument(
        "--candidate",
        type=Path,
        help="a run folder whose model to show beside production, e.g. runs/<run id>",
    )
