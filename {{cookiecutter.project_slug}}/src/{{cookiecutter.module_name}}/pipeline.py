"""The composition root: the only place that knows every component and their order."""

from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from {{ cookiecutter.module_name }}.config import PipelineConfig
from {{ cookiecutter.module_name }}.config import for_task
from {{ cookiecutter.module_name }}.data_check import DataCheck
from {{ cookiecutter.module_name }}.data_loader import DataLoader
from {{ cookiecutter.module_name }}.data_validation import Comparison
from {{ cookiecutter.module_name }}.data_validation import DataValidator
from {{ cookiecutter.module_name }}.datatypes import OVERALL
from {{ cookiecutter.module_name }}.datatypes import Anomaly
from {{ cookiecutter.module_name }}.datatypes import Dataset
from {{ cookiecutter.module_name }}.datatypes import ModelArtifact
from {{ cookiecutter.module_name }}.datatypes import SearchSummary
from {{ cookiecutter.module_name }}.datatypes import SlicedMetrics
from {{ cookiecutter.module_name }}.errors import AnomaliesFound
from {{ cookiecutter.module_name }}.errors import ConfigError
from {{ cookiecutter.module_name }}.errors import DataError
from {{ cookiecutter.module_name }}.evaluator import Evaluator
from {{ cookiecutter.module_name }}.gate import Failure
from {{ cookiecutter.module_name }}.gate import GateResult
from {{ cookiecutter.module_name }}.gate import ModelGate
from {{ cookiecutter.module_name }}.gate import Verdict
from {{ cookiecutter.module_name }}.model import Model
from {{ cookiecutter.module_name }}.predictor import Predictor
from {{ cookiecutter.module_name }}.preprocess import Preprocess
from {{ cookiecutter.module_name }}.sources import DataSource
from {{ cookiecutter.module_name }}.sources import source_for
from {{ cookiecutter.module_name }}.storage import MODEL_FILE
from {{ cookiecutter.module_name }}.storage import load_artifact
from {{ cookiecutter.module_name }}.storage import production_lock
from {{ cookiecutter.module_name }}.storage import production_model
from {{ cookiecutter.module_name }}.storage import promote_release
from {{ cookiecutter.module_name }}.storage import save_artifact
from {{ cookiecutter.module_name }}.storage import write_json
from {{ cookiecutter.module_name }}.storage import write_text
{%- if cookiecutter.experiment_tracking == "mlflow" %}
from {{ cookiecutter.module_name }}.tracking import MlflowRecorder
{%- endif %}
from {{ cookiecutter.module_name }}.tracking import RunRecorder
from {{ cookiecutter.module_name }}.trainer import Trainer
from {{ cookiecutter.module_name }}.tuner import STUDY_FILE
from {{ cookiecutter.module_name }}.tuner import Progress
from {{ cookiecutter.module_name }}.tuner import Tuner
from {{ cookiecutter.module_name }}.tuner import study_name


@dataclass(frozen=True)
class RunResult:
    """A gated candidate: its folder (a run's, or any saved model's), the verdict, the
    release it became if promoted, and the evaluation rows, for the report."""

    run_id: str
    skew: list[Comparison]
    verdict: Verdict
    run_dir: Path
    release: Path | None
    evaluation_rows: Dataset
    # False for `evaluate`: the verdict and page go to reports/, not into the folder
    # of a run whose own record they would contradict.
    recorded: bool = True
    # False for an experiment: a blessed candidate is not released.
    promote: bool = True
    # The study whose best parameters trained the candidate, if any.
    tuning: SearchSummary | None = None

    @property
    def metrics(self) -> SlicedMetrics:
        return self.verdict.candidate.metrics if self.verdict.candidate else {}


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
                seed=config.seed,
                task=task,
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
        return production_model(self.config.output.models)

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
        if self.tuner is None:
            raise ConfigError(
                "the config has no [tuning] table: add one with a search space "
                "(see configs/pipeline.toml)"
            )
        space = (dimension.name for dimension in self.tuner.config.space)
        self.model.refuse_unknown(
            {"[model.params]": self.config.model.params, "[tuning.space]": space},
            "; write them for this estimator, or delete [tuning] (run then trains "
            "with [model.params] as written)",
        )
        self.model.build()  # the estimator's own checks, once, not in every trial
        _, train, _ = self._split()
        return self.tuner.search(
            self.study(), train, self.cv_score, progress, trials, timeout
        )

    def space_misfits(self) -> list[str]:
        """[tuning.space] parameters the estimator does not take: after a switch of
        [model] estimator the old space is the usual cause, and run need not search."""
        tuning = self.config.tuning
        space = () if tuning is None else tuning.space
        return self.model.misfits(dimension.name for dimension in space)

    def space_note(self) -> str | None:
        """What `run` says, in one line, when it ignores a space that does not fit."""
        misfits = self.space_misfits()
        if not misfits:
            return None
        verb = "is not a parameter" if len(misfits) == 1 else "are not parameters"
        return (
            f"[tuning.space] does not fit {self.config.model.estimator} "
            f"({', '.join(misfits)} {verb} of it): ignored, so run trains with "
            "[model.params] as written and tune refuses until the space is "
            "rewritten for it"
        )

    def study(self) -> str:
        """The study of this config and data (see tuner.study_name): the estimator
        and its [model.params] are part of it, so a study of another estimator is
        never this one."""
        config = self.config.as_dict()
        identity = {
            key: config[key] for key in ("seed", "data", "split", "features", "model")
        }
        tuning = {
            key: value
            for key, value in config["tuning"].items()
            if key not in ("trials", "timeout_seconds")
        }
        data = {"fingerprint": self._fingerprint()}
        return study_name(identity | {"tuning": tuning} | data)

    def _fingerprint(self) -> str:
        """The data's hash; a file that cannot be hashed (missing, unreadable) is
        refused as reading it refuses it, in one line, not with a traceback."""
        try:
            return self.source.fingerprint()
        except OSError as error:
            self.source.read()  # the source's own one-line DataError, if it has one
            raise DataError(
                f"{self.source.location}: cannot be read ({error.strerror})"
            ) from None

    def cv_score(self, params: dict[str, Any], fit: Dataset, held: Dataset) -> float:
        """One fold of one trial: the candidate's estimator with the trial's params,
        trained as `run` trains, scored as the gate scores (overall)."""
        tuning = self.config.tuning
        assert tuning is not None  # only the Tuner calls this, and only with one
        artifact = self.trainer.train(
            self.preprocess.build(), self.model.with_params(params).build(), fit
        )
        value = Evaluator().evaluate(artifact, held).metrics[OVERALL].get(tuning.metric)
        if value is None:
            raise ConfigError(
                f"[tuning] metric = {tuning.metric!r} is not computed for this label "
                "(precision, recall, auc_precision_recall and brier_score need two "
                "classes; log_loss and the AUCs predict_proba)"
            )
        return value

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

    def run(self, promote: bool = True, use_tuned: bool = True) -> RunResult:
        """Bad data or skew stops the run before anything is fitted; a candidate the
        gate refuses stays in its run folder and production is not touched. With
        promote=False the run is an experiment: gated, recorded, never released.
        With a finished search of this config and data, the candidate is trained
        with its best parameters, and gated like any other."""
        tuning = self.tuned() if use_tuned else None
        model = self.model.with_params(tuning.best.params) if tuning else self.model
        frame, train, test = self._split()
        self._production_model(test)  # a damaged or unfit one stops us before fitting
        features = list(self.loader.feature_names)  # not the columns it leaves out
        skew = self.validator.compare(
            self.validator.statistics(train.features[features]),
            self.validator.statistics(test.features[features]),
            "skew",
        )
        refuse([], skew, f"{self.source.location} (training vs evaluation split)")
        artifact = self.trainer.train(self.preprocess.build(), model.build(), train)
        config = self.config.as_dict()
        run_id = self.recorder.new_run_id(config)
        run_dir = self.recorder.run_dir(run_id)
        save_artifact(run_dir / MODEL_FILE, replace(artifact, version=run_id))
        with production_lock(self.config.output.models):
            production = self._production_model(test)  # as it is now, after waiting
            verdict = self.judge(run_dir, frame, test, production)
            release = self._conclude(run_dir, verdict, run_dir, promote)
        self.recorder.record(
            run_id,
            config,
            {self.source.location: self.source.fingerprint()},
            _results(verdict, release)
            | {"task": self.config.task, "experiment": not promote}
            | {"tuning": tuning.as_record() if tuning else None}
            | {"data_checks": {"skew": [asdict(c) | {"fired": c.fired} for c in skew]}},
        )
        return RunResult(
            run_id, skew, verdict, run_dir, release, test, True, promote, tuning
        )

    def evaluate(self, candidate_dir: Path, promote: bool) -> RunResult:
        """Gate a saved model without retraining, on the same evaluation split."""
        if not candidate_dir.is_dir():
            raise DataError(f"{candidate_dir}: no such folder; pass e.g. runs/<run id>")
        if not (candidate_dir / MODEL_FILE).is_file():
            raise DataError(
                f"{candidate_dir}: no {MODEL_FILE} in it; pass a run folder, "
                "e.g. runs/<run id>"
            )
        frame, _, test = self._split()
        reports = self.config.output.reports
        with production_lock(self.config.output.models):
            production = self._production_model(test)
            verdict = self.judge(candidate_dir, frame, test, production)
            release = self._conclude(candidate_dir, verdict, reports, promote)
        return RunResult(
            candidate_dir.name,
            [],
            verdict,
            candidate_dir,
            release,
            test,
            False,
            promote,
        )

    def judge(
        self,
        candidate_dir: Path,
        frame: pd.DataFrame,
        test: Dataset,
        production: ModelArtifact | None,
    ) -> Verdict:
        """Load the candidate back as serving would, evaluate it and production on the
        same rows, and apply the thresholds."""
        rows = frame.loc[test.features.index].drop(columns=[self.config.data.label])
        problem = self._serving_problem(candidate_dir / MODEL_FILE, rows)
        if problem is not None:
            return Verdict(None, None, GateResult(False, [_unservable(problem)]))
        candidate = self.evaluator.evaluate(
            load_artifact(candidate_dir / MODEL_FILE), test
        )
        baseline = (
            None if production is None else self.evaluator.evaluate(production, test)
        )
        gate = self.gate.validate(
            candidate.metrics, baseline.metrics if baseline else None
        )
        return Verdict(candidate, baseline, gate)

    def runs(self) -> list[dict[str, Any]]:
        return self.recorder.history()

    def _split(self) -> tuple[pd.DataFrame, Dataset, Dataset]:
        frame = self.source.read()
        refuse(self.validator.validate(frame, "training"), [], self.source.location)
        train, test = self.loader.split(self.loader.to_dataset(frame))
        return frame, train, test

    def _serving_problem(self, path: Path, rows: pd.DataFrame) -> str | None:
        """TFX's InfraValidator: the saved artifact, loaded as the Predictor loads
        it, must answer serving-shaped rows (no label) with one known class each."""
        try:
            served = Predictor(path, self.validator).predict(rows)
            artifact = load_artifact(path)
        except DataError as error:
            return f"cannot be served: {error}"
        answers = served[f"predicted_{artifact.label}"]
        if len(answers) != len(rows):
            return f"answered {len(answers)} rows for {len(rows)}"
        if artifact.task == "regression":
            numbers = pd.to_numeric(answers, errors="coerce")
            if numbers.isna().any() or not np.isfinite(numbers).all():
                return "answered with values that are not finite numbers"
            return None
        known = set(artifact.classes)
        if not answers.isin(known).all():
            return (
                f"answered with {sorted(map(str, set(answers)))} "
                f"for classes {sorted(map(str, known))}"
            )
        return None

    def _production_model(self, test: Dataset) -> ModelArtifact | None:
        """The model to beat, checked before anything is fitted."""
        if not self.production.exists():
            return None  # the first run, or a link removed on purpose: a rubber stamp
        try:
            production = load_artifact(self.production)
        except DataError as error:
            raise DataError(
                f"{error}; remove the link {self.production.parent} to gate against "
                "no production model (a rubber stamp)"
            ) from None
        absent = sorted(set(production.feature_names) - set(test.features.columns))
        if absent:
            raise DataError(
                f"{self.production}: the production model needs columns {absent} "
                "that the data no longer has; to start a new line of models, "
                "remove that link (its release folder stays)"
            )
        if production.task != self.config.task:
            raise DataError(
                f"{self.production}: the production model is for {production.task}, "
                f"the config for {self.config.task}; to start a new line of models, "
                "remove that link (its release folder stays)"
            )
        return production

    def serving_version(self) -> str | None:
        """The run id of the model in production, if any."""
        return (
            self.production.parent.resolve().name if self.production.exists() else None
        )

    def write_report(self, result: RunResult) -> Path | None:
        """reports/evaluation.html, also kept in the run's folder; None when the
        candidate could not be served (validation.json says why).
        Drawing takes seconds, so the CLI asks for it and the tests mostly do not."""
        if result.verdict.candidate is None:
            return None
        # matplotlib is imported here, not at the top: only this step draws.
        from {{ cookiecutter.module_name }}.evaluation_report import evaluation_page

        artifact = load_artifact(result.run_dir / MODEL_FILE)
        text = evaluation_page(
            result.verdict,
            self.config.evaluation,
            artifact,
            result.evaluation_rows,
            result.tuning,
        )
        report = self.config.output.reports / "evaluation.html"
        write_text(report, text)
        if result.recorded:
            self.recorder.attach(result.run_dir, report)
        return report

    def _conclude(
        self, candidate_dir: Path, verdict: Verdict, verdict_dir: Path, promote: bool
    ) -> Path | None:
        """Write the verdict; promote only a blessed candidate."""
        write_json(verdict_dir / "validation.json", verdict.gate.as_dict())
        if not (promote and verdict.gate.validation_ok):
            return None
        candidate = candidate_dir / MODEL_FILE
        version = load_artifact(candidate).version or candidate_dir.name
        return promote_release(self.config.output.models, candidate, version)

    def predict(self, rows_path: Path) -> pd.DataFrame:
        """Serve the production model, guarded by the schema training was checked
        against."""
        rows = source_for(rows_path).read()
        if not self.production.is_file():
            self._refuse_without_production()
        return Predictor(self.production, self.validator).predict(rows)

    def _refuse_without_production(self) -> None:
        """After runs that promoted nothing, "run make pipeline first" would send the
        user round again: say the gate refused them, and where to read why."""
        records = self.recorder.history()
        blessed = [r.get("validation", {}).get("validation_ok") for r in records]
        refused = blessed.count(False) + blessed.count(None)
        experiments = sum(
            bool(ok and r.get("experiment")) for ok, r in zip(blessed, records)
        )
        if not refused and not experiments:
            return  # no runs, or a table adopted since: the loader's "no model yet"
        report = self.config.output.reports / "evaluation.html"
        raise DataError(
            f"{self.production}: no model has been promoted yet: the gate refused "
            f"{refused} of {len(records)} runs and {experiments} blessed ones were "
            f"--no-promote experiments; see why with `make runs` and {report}"
        )


def _unservable(problem: str) -> Failure:
    return Failure(OVERALL, "infra_validation", {}, None, None, problem)


def _results(verdict: Verdict, release: Path | None) -> dict[str, Any]:
    """The run record's findings: metrics of both models, the verdict, promotion."""
    return {
        "metrics": verdict.candidate.metrics if verdict.candidate else {},
        "baseline_metrics": verdict.baseline.metrics if verdict.baseline else None,
        "validation": verdict.gate.as_dict(),
        "promoted": release is not None,
    }
