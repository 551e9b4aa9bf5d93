"""The data stage on its own: a table's statistics, its anomalies against the schema,
drift against a baseline and the statistics page, for the commands that check data
without training (validate-data, stats, infer-schema). It imports no scikit-learn,
so those commands start in half a second, not 1.2 s; the Pipeline builds on it."""

import itertools
import threading
from concurrent.futures import FIRST_EXCEPTION
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Literal

from research_guards.config import PipelineConfig
from research_guards.dask_engine import dask_statistics
from research_guards.data_validation import Comparison
from research_guards.data_validation import DataValidator
from research_guards.data_validation import Schema
from research_guards.data_validation.statistics import DatasetStatistics
from research_guards.data_validation.statistics import merged
from research_guards.datatypes import Anomaly
from research_guards.datatypes import Environment
from research_guards.errors import ConfigError
from research_guards.errors import DataError
from research_guards.sources import DataSource
from research_guards.sources import ReadProgress
from research_guards.sources import source_for
from research_guards.sources import with_progress
from research_guards.storage import write_text

Engine = Literal["local", "dask"]
ENGINES: tuple[Engine, ...] = ("local", "dask")


@dataclass(frozen=True)
class DataReport:
    anomalies: list[Anomaly]
    drift: list[Comparison]
    # Checks within sampling noise: said, not anomalies (DataValidator.notes).
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return not self.anomalies and not any(c.fired for c in self.drift)


class DataCheck:
    """Tables checked against the schema the config names."""

    def __init__(self, config: PipelineConfig, validator: DataValidator) -> None:
        self.config = config
        self.validator = validator

    @classmethod
    def from_config(cls, config: PipelineConfig) -> "DataCheck":
        schema = Schema.load(config.data.schema)
        if schema.label != config.data.label:
            raise ConfigError(
                f"[data] label = {config.data.label!r} but {config.data.schema} was "
                f"inferred for {schema.label!r}: run infer-schema --force, then review"
            )
        validator = DataValidator(schema, config.validation, config.features.columns)
        return cls(config, validator)

    @staticmethod
    def infer_schema(config: PipelineConfig, data: Path | None, force: bool) -> Path:
        """Write the schema once; later runs validate against it, never rewrite it."""
        target = config.data.schema
        if target.exists() and not force:
            raise DataError(
                f"{target}: a schema exists and is reviewed like code; "
                "pass --force to replace it"
            )
        source = source_for(data or config.data.train)
        Schema.infer(lambda: with_progress(source), config.data.label).write(target)
        return target

    def validate_data(
        self,
        data: Path,
        environment: Environment,
        baseline: Path | None,
        engine: Engine = "local",
        scheduler: str | None = None,
    ) -> DataReport:
        """Statistics once per file, on this machine or on Dask (the same result);
        anomalies and drift both read them. Serving anomalies name the CSV lines at
        fault, as `predict` does."""
        locations = [data] if baseline is None else [data, baseline]
        if engine == "dask":
            numeric = self.validator.schema.numeric_names
            summaries = dask_statistics(locations, numeric, scheduler)
        else:
            summaries = self.statistics_of_files(locations)
        current = summaries[0]
        anomalies = self.validator.anomalies(current, environment)
        if environment == "serving" and anomalies:
            rows = source_for(data).read()
            anomalies = self.validator.with_lines(anomalies, rows, environment)
        notes = self.validator.notes(current)
        if baseline is None:
            return DataReport(anomalies, [], notes)
        return DataReport(
            anomalies, self.validator.compare(summaries[1], current, "drift"), notes
        )

    def statistics(
        self,
        source: DataSource,
        stop: threading.Event | None = None,
        progress: ReadProgress | None = None,
    ) -> DatasetStatistics:
        """A chunk at a time: the memory of one chunk, whatever the table's size.
        A set `stop` ends the reading after the chunk at hand."""
        chunks = with_progress(source, progress)
        if stop is not None:
            chunks = itertools.takewhile(lambda _: not stop.is_set(), chunks)
        return merged(map(self.validator.statistics, chunks))

    def statistics_of_files(self, locations: list[Path]) -> list[DatasetStatistics]:
        """Each table in a thread of its own: parsing and numpy release the GIL, so
        on two cores a table and its baseline take little longer than one. On
        Ctrl-C or an error the other threads stop after their chunk at hand."""
        sources, stop = [source_for(where) for where in locations], threading.Event()
        progress = ReadProgress()
        with ThreadPoolExecutor(max_workers=len(sources)) as pool:
            futures = [pool.submit(self.statistics, s, stop, progress) for s in sources]
            try:
                finished, _ = wait(futures, return_when=FIRST_EXCEPTION)
            finally:
                stop.set()
                progress.close()
            for future in finished:
                future.result()  # the error that stopped the others, if any
            return [future.result() for future in futures]

    def write_statistics(self, data: Path, other: Path | None, output: Path) -> Path:
        """The statistics page for one file, or two overlaid. It says what
        validate-data says: each file's anomalies, and for a second file with the
        label drift (as --baseline measures it), without it skew (serving rows)."""
        # matplotlib is imported here, not at the top: only this command draws.
        from research_guards.data_validation.report import statistics_page

        paths = [data] if other is None else [data, other]
        datasets = dict(
            zip((path.name for path in paths), self.statistics_of_files(paths))
        )
        anomalies, comparisons = [], []
        notes: list[tuple[str, str]] = []
        for statistics in datasets.values():
            labelled = self.config.data.label in statistics.features
            environment: Environment = "training" if labelled else "serving"
            anomalies += self.validator.anomalies(statistics, environment)
            notes += self.validator.notes(statistics).items()
        if other is not None:
            left, right = datasets.values()
            labelled = self.config.data.label in right.features
            comparisons = self.validator.compare(
                left, right, "drift" if labelled else "skew"
            )
        drawn = (*self.config.features.columns, self.config.data.label)
        page = statistics_page(datasets, anomalies, comparisons, notes, drawn)
        write_text(output, page)
        return output
