"""TFX's Tuner on Optuna: a seeded search with cross-validation on the rows it is
given, kept in an SQLite study that a later search resumes and a later run reads.

The Tuner knows search spaces, folds and studies, not models: the score of a set of
parameters on one fold comes from the caller (the Pipeline trains and evaluates)."""

import fcntl
import hashlib
import json
import time
import warnings
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from typing import Literal

import numpy as np
import optuna
from sklearn.model_selection import KFold
from sklearn.model_selection import StratifiedKFold

from research_guards.config import PipelineConfig
from research_guards.config import SearchDimension
from research_guards.config import TuningConfig
from research_guards.datatypes import OVERALL
from research_guards.datatypes import Dataset
from research_guards.datatypes import Evaluation
from research_guards.datatypes import SearchSummary
from research_guards.datatypes import Task
from research_guards.datatypes import Trial
from research_guards.errors import ConfigError
from research_guards.errors import DataError
from research_guards.errors import ProjectError
from research_guards.errors import SearchInterrupted

# params, rows to fit, rows to score -> the metric on the scored rows
Scorer = Callable[[dict[str, Any], Dataset, Dataset], float]
Progress = Callable[[str], None]
STUDY_FILE = "tuning.db"
ERROR = "error"  # the user attribute that keeps why a trial failed
CUT_SHORT = "interrupted"  # a trial Ctrl-C stopped: not counted, so resumed


def tuner_of(tuner: "Tuner | None") -> "Tuner":
    """The project's Tuner; a config without [tuning] has none to search with."""
    if tuner is None:
        raise ConfigError(
            "the config has no [tuning] table: add one with a search space "
            "(see configs/pipeline.toml)"
        )
    return tuner


def study_of(config: PipelineConfig, fingerprint: str) -> str:
    """The study of this config and data (see study_name): the estimator and its
    [model.params] are part of it, so a study of another estimator is never this
    one; the budget (trials, timeout) is not. `fingerprint` is the data's hash."""
    settings = config.as_dict()
    identity = {
        key: settings[key] for key in ("seed", "data", "split", "features", "model")
    }
    tuning = {
        key: value
        for key, value in settings["tuning"].items()
        if key not in ("trials", "timeout_seconds")
    }
    return study_name(identity | {"tuning": tuning} | {"fingerprint": fingerprint})


def space_note(estimator: str, misfits: list[str]) -> str | None:
    """What `run` says, in one line, when it ignores a [tuning.space] whose
    parameters (`misfits`) the estimator does not take."""
    if not misfits:
        return None
    verb = "is not a parameter" if len(misfits) == 1 else "are not parameters"
    return (
        f"[tuning.space] does not fit {estimator} "
        f"({', '.join(misfits)} {verb} of it): ignored, so run trains with "
        "[model.params] as written and tune refuses until the space is "
        "rewritten for it"
    )


def fold_score(evaluation: Evaluation, metric: str) -> float:
    """One fold's score: the overall `metric`, which the label or the estimator
    may not give (refused then, rather than failing every trial the same way)."""
    value = evaluation.metrics[OVERALL].get(metric)
    if value is None:
        raise ConfigError(
            f"[tuning] metric = {metric!r} is not computed for this label "
            "(precision, recall, auc_precision_recall and brier_score need two "
            "classes; log_loss and the AUCs predict_proba)"
        )
    return value


def study_name(identity: dict[str, Any]) -> str:
    """Studies are named by what their scores depend on (data, features, estimator,
    space, metric, folds, seed), so a changed search starts afresh while the same
    one resumes; the budget is not part of it, so raising it extends the study."""
    canonical = json.dumps(identity, sort_keys=True, separators=(",", ":"))
    return "tune-" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


class Tuner:
    """Searches `config.space`, scoring each trial by the mean over `config.folds`
    cross-validation folds of the rows it is given."""

    def __init__(
        self, config: TuningConfig, storage: Path, seed: int, task: Task
    ) -> None:
        self.config = config
        self.storage = storage
        self.seed = seed
        self.task = task

    def search(
        self,
        name: str,
        rows: Dataset,
        score: Scorer,
        progress: Progress,
        trials: int | None = None,
        timeout: float | None = None,
    ) -> SearchSummary:
        """Runs until the study holds `trials` finished trials (default: the
        config's) or `timeout` seconds pass. Ctrl-C keeps the finished trials."""
        total = trials or self.config.trials
        timeout = timeout or self.config.timeout_seconds
        folds = self._folds(rows)
        with self._one_search(name, progress):
            study = self._study(name, create=True)
            done = _counted(study)
            remaining = None if total is None else max(total - done, 0)
            if remaining == 0:
                progress(f"study {name} already holds {done} of {total} trials")
            else:
                self._optimize(study, rows, folds, score, remaining, timeout, progress)
        summary = self.summary(name)
        if summary is None:
            first = next((t for t in study.trials if ERROR in t.user_attrs), None)
            why = first.user_attrs[ERROR] if first else "no trial finished"
            raise ConfigError(f"[tuning] every trial failed: {why}")
        return summary

    def summary(self, name: str) -> SearchSummary | None:
        """The study's trials and best trial; None when there is no study of that
        name or none of its trials finished."""
        if not self.storage.is_file() or name not in optuna.get_all_study_names(
            self._url
        ):
            return None
        study = self._study(name, create=False)
        complete = study.get_trials(
            deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)
        )
        if not complete:
            return None
        return SearchSummary(
            study=name,
            storage=str(self.storage),
            metric=self.config.metric,
            direction=self.config.direction,
            folds=self.config.folds,
            trials=tuple(_trial(frozen) for frozen in study.trials),
            best=_trial(study.best_trial),
            importances=self._importances(study, len(complete)),
        )

    @contextmanager
    def _one_search(self, name: str, progress: Progress) -> Iterator[None]:
        """One search of a study at a time: a second (another `tune` of the same
        config and data) says so in one line and waits, then counts the first's
        trials against the budget instead of running its own on top ("trial 12 of
        6"). The lock is the OS's, so a killed search releases it."""
        self.storage.parent.mkdir(parents=True, exist_ok=True)
        lock = self.storage.with_name(f".{self.storage.name}.{name}.lock")
        with lock.open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                progress(
                    f"another search of study {name} is running: waiting for it to "
                    "finish, then resuming towards the same total"
                )
                fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    @property
    def _url(self) -> str:
        return f"sqlite:///{self.storage.resolve().as_posix()}"

    def _study(self, name: str, create: bool) -> optuna.Study:
        """The sampler is seeded with the seed and the trials so far: the same seed
        and data give the same trials, and a resumed study draws new ones rather
        than repeating its first."""
        optuna.logging.set_verbosity(optuna.logging.ERROR)
        self.storage.parent.mkdir(parents=True, exist_ok=True)
        direction: Literal["maximize", "minimize"] = (
            "maximize" if self.config.direction == "higher_is_better" else "minimize"
        )
        if create:
            study = optuna.create_study(
                storage=self._url,
                study_name=name,
                direction=direction,
                load_if_exists=True,
            )
        else:
            study = optuna.load_study(study_name=name, storage=self._url)
        # numpy's seeds stop at 2**32 - 1, the config's seed may be that
        resumed = (self.seed + len(study.trials)) % 2**32
        study.sampler = optuna.samplers.TPESampler(seed=resumed)
        return study

    def _folds(self, rows: Dataset) -> list[tuple[Dataset, Dataset]]:
        """Stratified for classification, so every fold holds every class."""
        folds = self.config.folds
        if self.task == "classification":
            counts = rows.labels.value_counts()
            if counts.min() < folds:
                raise DataError(
                    f"[tuning] folds = {folds} needs {folds} training rows of every "
                    f"class; {counts.idxmin()!r} has {counts.min()}: lower folds"
                )
            splitter: KFold | StratifiedKFold = StratifiedKFold(
                folds, shuffle=True, random_state=self.seed
            )
        else:
            if len(rows) < 2 * folds:
                raise DataError(
                    f"[tuning] folds = {folds} needs at least {2 * folds} training "
                    f"rows; there are {len(rows)}: lower folds"
                )
            splitter = KFold(folds, shuffle=True, random_state=self.seed)
        return [
            (_subset(rows, fit), _subset(rows, held))
            for fit, held in splitter.split(rows.features, rows.labels)
        ]

    def _optimize(
        self,
        study: optuna.Study,
        rows: Dataset,
        folds: list[tuple[Dataset, Dataset]],
        score: Scorer,
        trials: int | None,
        timeout: float | None,
        progress: Progress,
    ) -> None:
        def objective(trial: optuna.Trial) -> float:
            params = {d.name: _suggest(trial, d) for d in self.config.space}
            try:
                scores = [score(params, fit, held) for fit, held in folds]
            except ProjectError as error:
                trial.set_user_attr(ERROR, str(error).splitlines()[0])
                raise
            except KeyboardInterrupt:
                trial.set_user_attr(CUT_SHORT, True)
                raise
            return float(np.mean(scores))

        done = _counted(study)
        total = None if trials is None else done + trials
        started = time.monotonic()

        def report(study: optuna.Study, frozen: optuna.trial.FrozenTrial) -> None:
            count = _counted(study)
            progress(self._progress_line(study, frozen, count, total, started, timeout))

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                study.optimize(
                    objective,
                    n_trials=trials,
                    timeout=timeout,
                    callbacks=[report],
                    catch=(ProjectError,),
                )
        except KeyboardInterrupt:
            kept = _counted(study)
            trials_kept = f"{kept} finished trial{'' if kept == 1 else 's'}"
            raise SearchInterrupted(
                f"{trials_kept} of study {study.study_name} kept in "
                f"{self.storage}; `make tune` (or the same tune command) resumes it"
            ) from None

    def _progress_line(
        self,
        study: optuna.Study,
        frozen: optuna.trial.FrozenTrial,
        count: int,
        total: int | None,
        started: float,
        timeout: float | None,
    ) -> str:
        """trial n of N, its score and the best so far, on one line."""
        counted = f"{count} of {total}" if total else str(count)
        if timeout:
            counted += f" ({time.monotonic() - started:.0f} of {timeout:g} s)"
        if frozen.state != optuna.trial.TrialState.COMPLETE:
            outcome = f"failed: {frozen.user_attrs.get(ERROR, frozen.state.name)}"
        else:
            outcome = f"{self.config.metric} {frozen.value:.4f}"
        try:
            best = study.best_trial
            leader = f"best {best.value:.4f} (trial #{best.number})"
        except ValueError:  # no trial has completed yet
            leader = "no best yet"
        shown = ", ".join(
            f"{key}={_shown(value)}" for key, value in frozen.params.items()
        )
        return f"trial {counted}: #{frozen.number} {outcome}; {leader}; {shown}"

    def _importances(self, study: optuna.Study, complete: int) -> dict[str, float]:
        """fANOVA (Optuna's default, on scikit-learn's forests), seeded; it needs two
        trials, and parameters that varied."""
        if complete < 2 or len(self.config.space) < 1:
            return {}
        evaluator = optuna.importance.FanovaImportanceEvaluator(seed=self.seed)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                found = optuna.importance.get_param_importances(
                    study, evaluator=evaluator
                )
        except (ValueError, RuntimeError):
            return {}
        return {name: float(value) for name, value in found.items()}


def _counted(study: optuna.Study) -> int:
    """Trials that count towards the budget: finished or failed, not cut short."""
    finished = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.FAIL)
    return sum(
        CUT_SHORT not in trial.user_attrs
        for trial in study.get_trials(deepcopy=False, states=finished)
    )


def _suggest(trial: optuna.Trial, dimension: SearchDimension) -> Any:
    if dimension.kind == "categorical":
        return trial.suggest_categorical(dimension.name, list(dimension.choices))
    if dimension.kind == "int":
        low, high = int(dimension.low), int(dimension.high)
        return trial.suggest_int(dimension.name, low, high, log=dimension.log)
    return trial.suggest_float(
        dimension.name, dimension.low, dimension.high, log=dimension.log
    )


def _subset(rows: Dataset, positions: Any) -> Dataset:
    return Dataset(rows.features.iloc[positions], rows.labels.iloc[positions])


def _trial(frozen: optuna.trial.FrozenTrial) -> Trial:
    return Trial(
        number=frozen.number,
        state=frozen.state.name,
        score=frozen.value,
        params=dict(frozen.params),
    )


def _shown(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
