"""The composition root: the only place that knows every component and their order."""

from dataclasses import asdict
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from {{ cookiecutter.module_name }}.config import PipelineConfig
from {{ cookiecutter.module_name }}.data_loader import CsvSource
from {{ cookiecutter.module_name }}.data_loader import DataLoader
from {{ cookiecutter.module_name }}.data_loader import DataSource
from {{ cookiecutter.module_name }}.data_validation import Comparison
from {{ cookiecutter.module_name }}.data_validation import DataValidator
from {{ cookiecutter.module_name }}.data_validation import Schema
from {{ cookiecutter.module_name }}.datatypes import Anomaly
from {{ cookiecutter.module_name }}.datatypes import Environment
from {{ cookiecutter.module_name }}.datatypes import Metrics
from {{ cookiecutter.module_name }}.errors import AnomaliesFound
from {{ cookiecutter.module_name }}.errors import ConfigError
from {{ cookiecutter.module_name }}.errors import DataError
from {{ cookiecutter.module_name }}.evaluator import Evaluator
from {{ cookiecutter.module_name }}.model import Model
from {{ cookiecutter.module_name }}.predictor import Predictor
from {{ cookiecutter.module_name }}.preprocess import Preprocess
from {{ cookiecutter.module_name }}.storage import save_artifact
from {{ cookiecutter.module_name }}.tracking import RunRecorder
from {{ cookiecutter.module_name }}.trainer import Trainer

MODEL_FILE = "model.joblib"


@dataclass(frozen=True)
class RunResult:
    run_id: str
    metrics: Metrics
    skew: list[Comparison]
    model_path: Path
    record_path: Path


@dataclass(frozen=True)
class DataReport:
    anomalies: list[Anomaly]
    drift: list[Comparison]

    @property
    def clean(self) -> bool:
        return not self.anomalies and not any(c.fired for c in self.drift)


def refuse(anomalies: list[Anomaly], comparisons: list[Comparison], where: str) -> None:
    """Stop before anything is fitted, with every problem on its own line."""
    problems = [str(a) for a in anomalies] + [str(c) for c in comparisons if c.fired]
    if problems:
        raise AnomaliesFound.listing(where, problems, "nothing trained")


class Pipeline:
    """Load, validate, preprocess, train, evaluate, save, record: in that order."""

    def __init__(
        self,
        config: PipelineConfig,
        source: DataSource,
        loader: DataLoader,
        validator: DataValidator,
        preprocess: Preprocess,
        model: Model,
        trainer: Trainer,
        evaluator: Evaluator,
        recorder: RunRecorder,
    ) -> None:
        self.config = config
        self.source = source
        self.loader = loader
        self.validator = validator
        self.preprocess = preprocess
        self.model = model
        self.trainer = trainer
        self.evaluator = evaluator
        self.recorder = recorder

    @classmethod
    def from_config(cls, config: PipelineConfig) -> "Pipeline":
        schema = Schema.load(config.data.schema)
        if schema.label != config.data.label:
            raise ConfigError(
                f"[data] label = {config.data.label!r} but {config.data.schema} was "
                f"inferred for {schema.label!r}: run infer-schema --force, then review"
            )
        return cls(
            config=config,
            source=CsvSource(config.data.train),
            loader=DataLoader(
                label=config.data.label,
                numeric=config.features.numeric,
                categorical=config.features.categorical,
                test_fraction=config.split.test_fraction,
                seed=config.seed,
            ),
            validator=DataValidator(schema, config.validation),
            preprocess=Preprocess(config.features.numeric, config.features.categorical),
            model=Model(config.model),
            trainer=Trainer(config.seed),
            evaluator=Evaluator(),
            recorder=RunRecorder(config.output.runs, config.root),
        )

    @staticmethod
    def infer_schema(config: PipelineConfig, data: Path | None, force: bool) -> Path:
        """Write the schema once; later runs validate against it, never rewrite it."""
        target = config.data.schema
        if target.exists() and not force:
            raise DataError(
                f"{target}: a schema exists and is reviewed like code; "
                "pass --force to replace it"
            )
        frame = CsvSource(data or config.data.train).read()
        Schema.infer_from(frame, config.data.label).write(target)
        return target

    @property
    def model_path(self) -> Path:
        return self.config.output.models / MODEL_FILE

    def run(self) -> RunResult:
        """Bad data or training-serving skew stops the run before anything is fitted."""
        frame = self.source.read()
        where = self.source.location
        refuse(self.validator.validate(frame, "training"), [], where)
        train, test = self.loader.split(self.loader.to_dataset(frame))
        skew = self.validator.compare(
            self.validator.statistics(train.features),
            self.validator.statistics(test.features),
            "skew",
        )
        refuse([], skew, f"{where} (training vs evaluation split)")
        artifact = self.trainer.train(self.preprocess, self.model.build(), train)
        metrics = self.evaluator.evaluate(artifact, test)
        save_artifact(self.model_path, artifact)
        config = self.config.as_dict()
        run_id = self.recorder.new_run_id(config)
        record = self.recorder.record(
            run_id,
            config,
            {where: self.source.fingerprint()},
            metrics,
            {"skew": [asdict(c) | {"fired": c.fired} for c in skew]},
        )
        return RunResult(run_id, metrics, skew, self.model_path, record)

    def validate_data(
        self, data: Path, environment: Environment, baseline: Path | None
    ) -> DataReport:
        """Statistics once per file; anomalies and drift both read them."""
        current = self.validator.statistics(CsvSource(data).read())
        anomalies = self.validator.anomalies(current, environment)
        if baseline is None:
            return DataReport(anomalies, [])
        previous = self.validator.statistics(CsvSource(baseline).read())
        return DataReport(anomalies, self.validator.compare(previous, current, "drift"))

    def write_statistics(self, data: Path, other: Path | None, output: Path) -> Path:
        """The statistics page for one file, or two overlaid (training vs serving)."""
        # matplotlib is imported here, not at the top: only this command draws.
        from {{ cookiecutter.module_name }}.data_validation.report import statistics_page

        datasets = {
            path.name: self.validator.statistics(CsvSource(path).read())
            for path in ([data] if other is None else [data, other])
        }
        first = next(iter(datasets.values()))
        anomalies = self.validator.anomalies(first, "training")
        comparisons = []
        if other is not None:
            left, right = datasets.values()
            comparisons = self.validator.compare(left, right, "skew")
        output.parent.mkdir(parents=True, exist_ok=True)
        page = statistics_page(datasets, anomalies, comparisons)
        output.write_text(page, encoding="utf-8")
        return output

    def predict(self, rows_path: Path) -> pd.DataFrame:
        """Serve the saved model, guarded by the schema training was checked against."""
        rows = CsvSource(rows_path).read()
        return Predictor(self.model_path, self.validator).predict(rows)
