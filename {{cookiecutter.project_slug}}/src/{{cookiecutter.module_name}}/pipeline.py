"""The composition root: the only place that knows every component and their order.
How a candidate is judged and released is the standard's (research_guards.release),
the same in every repository; which stages do the work, in which order, is this
project's."""

from pathlib import Path
from typing import Any

import pandas as pd
from research_guards.config import PipelineConfig
from research_guards.config import for_task
from research_guards.data_check import DataCheck
from research_guards.data_validation import DataValidator
from research_guards.datatypes import Dataset
from research_guards.datatypes import Scored
from research_guards.datatypes import SearchSummary
from research_guards.gate import ModelGate
{%- if cookiecutter.experiment_tracking == "mlflow" %}
from research_guards.mlflow_tracking import MlflowRecorder
{%- endif %}
from research_guards.release import Release
from research_guards.release import RunResult
from research_guards.release import hash_of
from research_guards.release import refuse
from research_guards.sources import DataSource
from research_guards.sources import source_for
from research_guards.storage import load_artifact
from research_guards.storage import production_lock
from research_guards.tracking import RunRecorder
from research_guards.tuner import STUDY_FILE
from research_guards.tuner import Progress
from research_guards.tuner import Tuner
from research_guards.tuner import fold_score
from research_guards.tuner import space_note
from research_guards.tuner import study_of
from research_guards.tuner import tuner_of

from {{ cookiecutter.module_name }}.data_loader import DataLoader
from {{ cookiecutter.module_name }}.evaluator import Evaluator
from {{ cookiecutter.module_name }}.model import Model
from {{ cookiecutter.module_name }}.predictor import Predictor
from {{ cookiecutter.module_name }}.preprocess import Preprocess
from {{ cookiecutter.module_name }}.trainer import Trainer

__all__ = ["Pipeline", "RunResult"]


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
        gate: ModelGate,
        recorder: RunRecorder,
        tuner: Tuner | None = None,
    ) -> None:
        self.config = config
        self.source = source
        self.loader = loader
        self.validator = validator
        self.preprocess = preprocess
        self.model = model
        self.trainer = trainer
        self.evaluator = evaluator
        self.gate = gate
        self.recorder = recorder
        self.tuner = tuner
        # The config file and what it read when loaded (see watch).
        self.watched: tuple[Path, dict[str, Any]] | None = None

    def watch(self, config_file: Path, loaded: PipelineConfig) -> "Pipeline":
        """Promote only while `config_file` still reads as `loaded`: an adopt (or an
        edit) during a run makes the project another one, and a model of the old
        table must not become its production model."""
        self.watched = (config_file, loaded.as_dict())
        return self

    @classmethod
    def from_config(cls, loaded: PipelineConfig) -> "Pipeline":
        validator = DataCheck.from_config(loaded).validator
        config = for_task(loaded, loaded.model.task or validator.schema.task)
        task = config.task
        tuning = config.tuning
        return cls(
            config=config,
            source=source_for(config.data.train),
            loader=DataLoader(
                label=config.data.label,
                numeric=config.features.numeric,
                categorical=config.features.categorical,
                test_fraction=config.split.test_fraction,
                task=task,
                key=config.split.key,
            ),
            validator=validator,
            preprocess=Preprocess(config.features.numeric, config.features.categorical),
            model=Model(config.model, task),
            trainer=Trainer(config.seed, task),
            evaluator=Evaluator(
                config.evaluation.slices, config.evaluation.sensitive_feature
            ),
            gate=ModelGate(config.evaluation.thresholds or ()),
{%- if cookiecutter.experiment_tracking == "mlflow" %}
            recorder=MlflowRecorder(
                config.output.runs, config.root, experiment="{{ cookiecutter.module_name }}"
            ),
{%- else %}
            recorder=RunRecorder(config.output.runs, config.root),
{%- endif %}
            tuner=(
                None
                if tuning is None
                else Tuner(tuning, config.output.runs / STUDY_FILE, config.seed, task)
            ),
        )

    @property
    def production(self) -> Path:
        return self._release().production

    def _release(self) -> Release:
        """The standard's judge and release, over this project's stages as they are
        now (a test may swap one)."""
        stages = (self.evaluator.evaluate, self._serve, self.loader.identities_by)
        where, watched = self.source.location, self.watched
        return Release(self.config, self.gate, self.recorder, stages, where, watched)

    def _serve(self, path: Path, rows: pd.DataFrame) -> pd.DataFrame:
        return Predictor(path, self.validator).predict(rows)

    def tune(
        self,
        progress: Progress,
        trials: int | None = None,
        timeout: float | None = None,
    ) -> SearchSummary:
        """TFX's Tuner: cross-validation on the training rows of the split only, so
        the evaluation rows the gate judges by never choose the parameters. A space
        or params the estimator does not take are refused before anything is read,
        every misfit at once, rather than failing every trial."""
        tuner = tuner_of(self.tuner)
        space = (dimension.name for dimension in tuner.config.space)
        self.model.refuse_unknown(
            {"[model.params]": self.config.model.params, "[tuning.space]": space},
            "; write them for this estimator, or delete [tuning] (run then trains "
            "with [model.params] as written)",
        )
        self.model.build()  # the estimator's own checks, once, not in every trial
        _, train, _ = self._split()
        study = self.study()
        return tuner.search(study, train, self.cv_score, progress, trials, timeout)

    def space_misfits(self) -> list[str]:
        """[tuning.space] parameters the estimator does not take: after a switch of
        [model] estimator the old space is the usual cause, and run need not search."""
        tuning = self.config.tuning
        space = () if tuning is None else tuning.space
        return self.model.misfits(dimension.name for dimension in space)

    def space_note(self) -> str | None:
        """What `run` says, in one line, when it ignores a space that does not fit."""
        return space_note(self.config.model.estimator, self.space_misfits())

    def study(self) -> str:
        """The study of this config and data (see tuner.study_of)."""
        return study_of(self.config, hash_of(self.source))

    def cv_score(self, params: dict[str, Any], fit: Dataset, held: Dataset) -> float:
        """One fold of one trial: the candidate's estimator with the trial's params,
        trained as `run` trains, scored as the gate scores (overall)."""
        tuning = self.config.tuning
        assert tuning is not None  # only the Tuner calls this, and only with one
        artifact = self.trainer.train(
            self.preprocess.build(), self.model.with_params(params).build(), fit
        )
        return fold_score(Evaluator().evaluate(artifact, held), tuning.metric)

    def tuned(self) -> SearchSummary | None:
        """The study of this config and data, if a search has finished a trial; never
        one whose space or best parameters the estimator does not take (run trains
        with [model.params] as written then, and space_note says why)."""
        if self.tuner is None or self.space_misfits():
            return None
        found = self.tuner.summary(self.study())
        if found is None or self.model.misfits(found.best.params):
            return None
        return found

    def run(
        self, promote: bool = True, use_tuned: bool = True, report: bool = False
    ) -> RunResult:
        """Bad data or skew stops the run before anything is fitted; a candidate the
        gate refuses stays in its run folder and production is not touched. With
        promote=False the run is an experiment: gated, recorded, never released.
        With a finished search of this config and data, the candidate is trained
        with its best parameters, and gated like any other. With report=True the
        evaluation page is drawn too (it takes seconds); see Release.finish."""
        release = self._release()
        started = release.fingerprint()  # before reading: see Release.changed
        release.refuse_unready(promote)
        tuning = self.tuned() if use_tuned else None
        model = self.model.with_params(tuning.best.params) if tuning else self.model
        frame, train, test = self._split()
        release.production_model(test)  # a damaged or unfit one stops us first
        features = list(self.loader.feature_names)  # not the columns it leaves out
        skew = self.validator.compare(
            self.validator.statistics(train.features[features]),
            self.validator.statistics(test.features[features]),
            "skew",
        )
        refuse([], skew, f"{self.source.location} (training vs evaluation split)")
        artifact = self.trainer.train(self.preprocess.build(), model.build(), train)
        run_id, run_dir = release.save_candidate(artifact)
        with production_lock(self.config.output.models):
            production = release.production_model(test)  # as it is now, after waiting
            verdict = release.judge(run_dir, frame, test, production)
            result = RunResult(
                run_id, skew, verdict, run_dir, None, test, True, promote, tuning
            )
            page = self.write_report if report else None
            return release.finish(result, started, page)

    def evaluate(
        self, candidate_dir: Path, promote: bool, report: bool = False
    ) -> RunResult:
        """Gate a saved model without retraining, on the same evaluation split."""
        release = self._release()
        release.refuse_missing_candidate(candidate_dir)
        started = release.fingerprint()
        if promote:
            release.refuse_unpromotable()
        frame, _, test = self._split()
        release.refuse_foreign_candidate(candidate_dir, test)
        with production_lock(self.config.output.models):
            production = release.production_model(test)
            verdict = release.judge(candidate_dir, frame, test, production)
            name = candidate_dir.name
            result = RunResult(
                name, [], verdict, candidate_dir, None, test, False, promote
            )
            page = self.write_report if report else None
            return release.finish(result, started, page)

    def runs(self) -> list[dict[str, Any]]:
        return self.recorder.history()

    def _split(self) -> tuple[pd.DataFrame, Dataset, Dataset]:
        frame = self.source.read()
        refuse(self.validator.validate(frame, "training"), [], self.source.location)
        train, test = self.loader.split(self.loader.to_dataset(frame))
        return frame, train, test

    def evaluation_rows(self) -> Dataset:
        """The rows the gate judges by, which the What-If page explores."""
        _, _, test = self._split()
        return test

    def served(self) -> Path:
        """The production model's file; refused with why when there is none."""
        return self._release().served()

    def serving_version(self) -> str | None:
        """The run id of the model in production, if any."""
        return self._release().serving_version()

    def write_report(self, result: RunResult) -> Path | None:
        """reports/evaluation.html, also kept in the run's folder; None when the
        candidate could not be served (validation.json says why).
        Drawing takes seconds, so the CLI asks for it and the tests mostly do not."""
        return self._release().write_report(result)

    def score(self, rows_path: Path) -> Scored:
        """The served model's metrics on held-out labelled rows, checked as
        evaluation data (the label required); nothing is trained or promoted."""
        source = source_for(rows_path)
        frame = source.read()
        refuse(self.validator.validate(frame, "evaluation"), [], source.location)
        served = load_artifact(self.served())
        rows = self.loader.to_dataset(frame)
        evaluation = self.evaluator.evaluate(served, rows)
        return Scored(served.version, evaluation, rows.unlabelled)

    def predict(self, rows_path: Path) -> pd.DataFrame:
        """Serve the production model, guarded by the schema training was checked
        against."""
        rows = source_for(rows_path).read()
        return Predictor(self.served(), self.validator).predict(rows)
