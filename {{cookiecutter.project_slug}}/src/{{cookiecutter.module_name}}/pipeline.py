"""The composition root: the only place that knows every component and their order."""

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from {{ cookiecutter.module_name }}.config import PipelineConfig
from {{ cookiecutter.module_name }}.data_loader import CsvSource
from {{ cookiecutter.module_name }}.data_loader import DataLoader
from {{ cookiecutter.module_name }}.data_loader import DataSource
from {{ cookiecutter.module_name }}.data_validation import DataValidator
from {{ cookiecutter.module_name }}.data_validation import Schema
from {{ cookiecutter.module_name }}.datatypes import Metrics
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
    model_path: Path
    record_path: Path


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
        return cls(
            config=config,
            source=CsvSource(config.data.train),
            loader=DataLoader(
                label=config.data.label,
                feature_names=config.features.columns,
                test_fraction=config.split.test_fraction,
                seed=config.seed,
            ),
            validator=DataValidator(Schema.load(config.data.schema)),
            preprocess=Preprocess(config.features.numeric, config.features.categorical),
            model=Model(config.model),
            trainer=Trainer(config.seed),
            evaluator=Evaluator(),
            recorder=RunRecorder(config.output.runs),
        )

    @property
    def model_path(self) -> Path:
        return self.config.output.models / MODEL_FILE

    def run(self) -> RunResult:
        """Bad data stops the run before anything is fitted or written."""
        frame = self.source.read()
        anomalies = self.validator.validate(frame, "training")
        if anomalies:
            lines = "\n".join(str(anomaly) for anomaly in anomalies)
            raise DataError(
                f"{self.source.location}: {len(anomalies)} anomalies, "
                f"nothing trained:\n{lines}"
            )
        train, test = self.loader.split(self.loader.to_dataset(frame))
        artifact = self.trainer.train(self.preprocess, self.model.build(), train)
        metrics = self.evaluator.evaluate(artifact, test)
        save_artifact(self.model_path, artifact)
        config = self.config.as_dict()
        run_id = self.recorder.new_run_id(config)
        record = self.recorder.record(
            run_id, config, {self.source.location: self.source.fingerprint()}, metrics
        )
        return RunResult(run_id, metrics, self.model_path, record)

    def predict(self, rows_path: Path) -> pd.DataFrame:
        """Serve the saved model, guarded by the schema training was checked against."""
        rows = CsvSource(rows_path).read()
        return Predictor(self.model_path, self.validator).predict(rows)
