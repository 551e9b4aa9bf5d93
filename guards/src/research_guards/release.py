"""TFX's Evaluator, InfraValidator and Pusher as the standard runs them: a candidate
is served as serving would serve it, judged against production on rows neither
trained on, and released last, after its verdict, page and record are written.

This is policy, the same in every repository; which stages train, score and serve
is the repository's own, so they come in as callables (its Pipeline composes them)."""

from collections.abc import Callable
from contextlib import suppress
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from research_guards.config import PipelineConfig
from research_guards.config import load_config
from research_guards.data_validation import Comparison
from research_guards.datatypes import OVERALL
from research_guards.datatypes import Anomaly
from research_guards.datatypes import Dataset
from research_guards.datatypes import Evaluation
from research_guards.datatypes import ModelArtifact
from research_guards.datatypes import RowIds
from research_guards.datatypes import SearchSummary
from research_guards.datatypes import SlicedMetrics
from research_guards.errors import AnomaliesFound
from research_guards.errors import ConfigError
from research_guards.errors import DataError
from research_guards.errors import ProjectError
from research_guards.gate import Failure
from research_guards.gate import GateResult
from research_guards.gate import ModelGate
from research_guards.gate import Verdict
from research_guards.sources import DataSource
from research_guards.sources import source_for
from research_guards.storage import MODEL_FILE
from research_guards.storage import PRODUCTION
from research_guards.storage import load_artifact
from research_guards.storage import production_model
from research_guards.storage import production_problem
from research_guards.storage import promote_release
from research_guards.storage import refuse_unusable_lock
from research_guards.storage import save_artifact
from research_guards.storage import saved_model
from research_guards.storage import write_json
from research_guards.storage import write_text
from research_guards.tracking import PENDING
from research_guards.tracking import RunRecorder

# With fewer evaluation rows than this, one row moves accuracy by more than 5 points:
# two models judged there are told apart by chance.
MIN_JUDGED_ROWS = 20

# A model and labelled rows -> its metrics there (the repository's Evaluator).
Score = Callable[[ModelArtifact, Dataset], Evaluation]
# A saved model and serving rows -> the rows with its answers (the Predictor).
Serve = Callable[[Path, pd.DataFrame], pd.DataFrame]
# Rows and the columns a model named its training rows by -> their names, or None
# when the rows lack one of those columns (the DataLoader's identities_by).
RowNames = Callable[[Dataset, tuple[str, ...]], RowIds | None]


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
    # The evaluation page, when the run was asked to draw it.
    report: Path | None = None
    # Why a blessed candidate was not released although promotion was asked for.
    withheld: str | None = None

    @property
    def metrics(self) -> SlicedMetrics:
        return self.verdict.candidate.metrics if self.verdict.candidate else {}


Draw = Callable[[RunResult], Path | None]


def refuse(anomalies: list[Anomaly], comparisons: list[Comparison], where: str) -> None:
    """Stop before anything is fitted, with every problem on its own line."""
    problems = [str(a) for a in anomalies] + [str(c) for c in comparisons if c.fired]
    if problems:
        raise AnomaliesFound.listing(where, problems, "nothing trained")


def hash_of(source: DataSource) -> str:
    """The data's hash; a file that cannot be hashed (missing, unreadable) is
    refused as reading it refuses it, in one line, not with a traceback."""
    try:
        return source.fingerprint()
    except OSError as error:
        source.read()  # the source's own one-line DataError, if it has one
        raise DataError(
            f"{source.location}: cannot be read ({error.strerror})"
        ) from None


class Release:
    """Judges and releases the candidates of one project: its config, gate and
    recorder, and its stages' `score`, `serve` and `row_names`. `location` names
    the data the candidates are judged on; `watched` is the config file and what
    it read when loaded, if a run must not promote once it reads otherwise."""

    def __init__(
        self,
        config: PipelineConfig,
        gate: ModelGate,
        recorder: RunRecorder,
        stages: tuple[Score, Serve, RowNames],
        location: str,
        watched: tuple[Path, dict[str, Any]] | None = None,
    ) -> None:
        self.config = config
        self.gate = gate
        self.recorder = recorder
        self.score, self.serve, self.row_names = stages
        self.location = location
        self.watched = watched

    @property
    def models(self) -> Path:
        return self.config.output.models

    @property
    def production(self) -> Path:
        return production_model(self.models)

    def serving_version(self) -> str | None:
        """The run id of the model in production, if any."""
        return (
            self.production.parent.resolve().name if self.production.exists() else None
        )

    def fingerprint(self) -> str:
        """The data as it is now (a fresh hash, not a source's cached one)."""
        return hash_of(source_for(self.config.data.train))

    def refuse_unready(self, promote: bool) -> None:
        """What would stop a run after fitting, said before: a lock that cannot be
        taken, and (when promoting) a production that cannot be repointed."""
        refuse_unusable_lock(self.models)
        if promote:
            self.refuse_unpromotable()

    def refuse_unpromotable(self) -> None:
        """A models/production that is a real folder cannot be repointed: say so
        before anything is fitted, not after."""
        link = self.models / PRODUCTION
        if link.exists() and not link.is_symlink():
            raise DataError(str(production_problem(self.models)))

    def refuse_missing_candidate(self, candidate_dir: Path) -> None:
        """`evaluate` takes a folder holding a saved model."""
        saved_model(candidate_dir)

    def refuse_foreign_candidate(self, candidate_dir: Path, test: Dataset) -> None:
        """A saved model of another table (a run from before an adopt) cannot be
        scored on this one: say what it needs that the data lacks. One that cannot
        be loaded is the infra validation's to refuse, in the verdict."""
        try:
            candidate = load_artifact(candidate_dir / MODEL_FILE)
        except DataError:
            return
        absent = sorted(set(candidate.feature_names) - set(test.features.columns))
        needs = [f"columns {absent}"] if absent else []
        if candidate.label != self.config.data.label:
            needs.append(f"the label {candidate.label!r}")
        if candidate.task != self.config.task:
            needs.append(f"a {candidate.task} task")
        if needs:
            raise DataError(
                f"{candidate_dir}: the candidate needs {' and '.join(needs)}, which "
                f"{self.location} and the config lack (it was trained on "
                "another table): evaluate a run of this one"
            )

    def production_model(self, test: Dataset) -> ModelArtifact | None:
        """The model to beat, checked before anything is fitted. A link whose
        release is gone is an error, not a first run."""
        link = self.production.parent
        dangling = link.is_symlink() and not self.production.exists()
        if dangling or (link.exists() and not link.is_dir()):
            # a real file there is no first run either: an experiment once
            # rubber-stamped its candidate against it
            raise DataError(str(production_problem(self.models)))
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
        self.unseen(test, {"production": production})  # too few rows left: refused
        return production

    def save_candidate(self, artifact: ModelArtifact) -> tuple[str, Path]:
        """A new run's id and folder, holding the candidate stamped with that id; a
        full disk leaves no empty run folder behind."""
        threshold = self.config.evaluation.decision_threshold
        if threshold is not None and (
            len(artifact.classes) != 2 or not hasattr(artifact.model, "predict_proba")
        ):
            raise ConfigError(
                f"[evaluation] decision_threshold = {threshold:g} applies to a binary "
                f"classifier with probabilities, not to this {artifact.task} model "
                f"of {len(artifact.classes)} classes: delete it"
            )
        run_id = self.recorder.new_run_id(self.config.as_dict())
        run_dir = self.recorder.run_dir(run_id)
        stamped = replace(artifact, version=run_id, threshold=threshold)
        try:
            save_artifact(run_dir / MODEL_FILE, stamped)
        except DataError:
            with suppress(OSError):
                run_dir.rmdir()
            raise
        return run_id, run_dir

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
        problem = self.serving_problem(candidate_dir / MODEL_FILE, rows)
        if problem is not None:
            return Verdict(None, None, GateResult(False, [_unservable(problem)]))
        artifact = load_artifact(candidate_dir / MODEL_FILE)
        judged, rows_note = self.unseen(
            test, {"candidate": artifact, "production": production}
        )
        candidate = self.score(artifact, judged)
        baseline = None if production is None else self.score(production, judged)
        gate = self.gate.validate(
            candidate.metrics, baseline.metrics if baseline else None
        )
        return Verdict(candidate, baseline, gate, rows_note)

    def serving_problem(self, path: Path, rows: pd.DataFrame) -> str | None:
        """TFX's InfraValidator: the saved artifact, loaded as the Predictor loads
        it, must answer serving-shaped rows (no label) with one known class each."""
        try:
            served = self.serve(path, rows)
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

    def unseen(
        self, test: Dataset, models: dict[str, ModelArtifact | None]
    ) -> tuple[Dataset, str]:
        """The evaluation rows none of `models` trained on, and one line saying what
        was left out, or that it cannot be known. A model trained under another
        split (another test_fraction or key, or a table with other columns) has seen
        some of them: judged there, it would be flattered. Too few left: refused."""
        keep = np.ones(len(test), dtype=np.bool_)
        seen: list[str] = []
        said: list[str] = []
        present = {name: model for name, model in models.items() if model is not None}
        for name, model in present.items():
            overlap = self._trained_on(test, model)
            if overlap is None:
                said.append(self._unknown(name, model, test))
            elif overlap.any():
                seen.append(f"{name} trained on {overlap.sum()}")
                keep &= ~overlap
        if seen:
            left = int(keep.sum())
            trained_on = f"{' and '.join(seen)} of {len(test)} evaluation rows"
            if left < MIN_JUDGED_ROWS:
                raise DataError(
                    f"{trained_on}; the {left} others are too few to judge by (fewer "
                    f"than {MIN_JUDGED_ROWS}): {self._fresh_start(seen)}"
                )
            both = "both judged" if len(present) > 1 else "judged"
            said.insert(0, f"{trained_on}; {both} on the {left} others")
        return test.take(keep) if seen else test, "; ".join(said)

    def _trained_on(
        self, test: Dataset, model: ModelArtifact
    ) -> npt.NDArray[np.bool_] | None:
        """Which evaluation rows `model` trained on, by the columns that named its
        rows then; None when that cannot be known."""
        trained = model.training_rows
        if trained is None:
            return None
        if test.rows is not None and test.rows.columns == trained.columns:
            return test.rows.among(trained)
        ours = self.row_names(test, trained.columns)
        return None if ours is None else ours.among(trained)

    def _unknown(self, name: str, model: ModelArtifact, test: Dataset) -> str:
        trained = model.training_rows
        columns = set(map(str, test.features.columns)) | {str(test.labels.name)}
        why = (
            "saved before they were recorded"
            if trained is None
            else f"the data has no column {sorted(set(trained.columns) - columns)}"
        )
        advice = f"; {self._fresh_start([name])}" if name == "production" else ""
        return (
            f"{name}'s training rows are unknown ({why}): it may have trained on "
            f"some of the {len(test)} evaluation rows, which would flatter it{advice}"
        )

    def _fresh_start(self, seen: list[str]) -> str:
        if any(line.startswith("production") for line in seen):
            return (
                f"to start a new line of models, remove the link "
                f"{self.production.parent} (its release folder stays)"
            )
        return "gate a candidate trained under this split (`make pipeline`)"

    def finish(self, result: RunResult, started: str, draw: Draw | None) -> RunResult:
        """Everything after judging, inside the production lock, promotion last:
        validation.json, the evaluation page (reports/ and the run's copy; `draw`
        draws it, None for no page), the run record, and only then the rename that
        repoints production. A failure at any step before the rename leaves
        production as it was. The record is written "pending" just before the
        rename and "done" just after it, so a record never claims a promotion that
        did not happen. `started` is the data's hash when the run began."""
        verdict = result.verdict
        verdict_dir = result.run_dir if result.recorded else self.config.output.reports
        write_json(verdict_dir / "validation.json", verdict.gate.as_dict())
        withheld = None
        if result.promote and verdict.gate.validation_ok:
            withheld = self.changed(started)
        result = replace(
            result,
            withheld=withheld,
            report=draw(result) if draw is not None else None,
        )
        releasing = result.promote and verdict.gate.validation_ok and not withheld
        self._record(result, started, _promotion(result, releasing))
        if not releasing:
            return result
        try:
            release = self.promote(result.run_dir, result.report)
        except DataError as error:
            with suppress(DataError):  # the disk may still be full
                self._record(
                    result, started, _promotion(result, False) | {"failed": str(error)}
                )
            raise
        if result.recorded:
            try:
                self.recorder.mark_promoted(result.run_id)
            except DataError as error:
                raise DataError(
                    f"promoted to production ({release}), but its record still says "
                    f"promotion pending: {error}"
                ) from None
        return replace(result, release=release)

    def _record(
        self, result: RunResult, started: str, promotion: dict[str, Any]
    ) -> None:
        """The run's record.json (a run's only: `evaluate` records nothing)."""
        if not result.recorded:
            return
        tuning = result.tuning
        skew = [asdict(c) | {"fired": c.fired} for c in result.skew]
        extra: dict[str, Any] = {
            "task": self.config.task,
            "experiment": not result.promote,
            "tuning": tuning.as_record() if tuning else None,
            "data_checks": {"skew": skew},
        }
        self.recorder.record(
            result.run_id,
            self.config.as_dict(),
            {self.location: started},
            _results(result.verdict) | promotion | extra,
        )

    def changed(self, started: str) -> str | None:
        """Why promoting would release a model of a project that is no longer this
        one, None when the config and data are still what the run started with."""
        try:
            if self.fingerprint() != started:
                return f"{self.config.data.train} changed during the run"
            if self.watched is not None:
                config_file, loaded = self.watched
                if load_config(config_file).as_dict() != loaded:
                    return f"{config_file} changed during the run"
        except ProjectError as error:
            return f"the project changed during the run ({error})"
        return None

    def promote(self, candidate_dir: Path, page: Path | None = None) -> Path:
        candidate = candidate_dir / MODEL_FILE
        version = load_artifact(candidate).version or candidate_dir.name
        return promote_release(self.models, candidate, version, page)

    def write_report(self, result: RunResult) -> Path | None:
        """reports/evaluation.html, also kept in the run's folder; None when the
        candidate could not be served (validation.json says why).
        Drawing takes seconds, so the CLI asks for it and the tests mostly do not."""
        if result.verdict.candidate is None:
            return None
        # matplotlib is imported here, not at the top: only this step draws.
        from research_guards.evaluation_report import evaluation_page

        artifact = load_artifact(result.run_dir / MODEL_FILE)
        text = evaluation_page(
            result.verdict,
            self.config.evaluation,
            artifact,
            _judged(result.evaluation_rows, result.verdict),
            result.tuning,
            self.status(result),
        )
        report = self.config.output.reports / "evaluation.html"
        write_text(report, text)
        if result.recorded:
            self.recorder.attach(result.run_dir, report)
        return report

    def status(self, result: RunResult) -> str:
        """What became of the page's model and what it was compared with, said at
        the top of its page: reports/evaluation.html is every run's, refused ones
        included (models/production/evaluation.html is the served model's)."""
        gate, compared = result.verdict.gate, self.serving_version()
        if not gate.validation_ok:
            outcome = "refused; production unchanged"
        elif result.withheld:
            outcome = f"blessed but not promoted: {result.withheld}"
        elif result.promote:
            outcome = "blessed and promoted to production by this run"
        elif result.recorded:
            outcome = "an experiment (--no-promote): gated, never released"
        else:
            outcome = "blessed; not promoted (evaluate without --promote)"
        against = (
            f"compared with production model {compared}"
            if compared
            else "no production model to compare with (a rubber stamp)"
        )
        return f"Model {result.run_id}: {outcome}; {against}."

    def served(self) -> Path:
        """The production model to serve from; refused with why when there is none
        to serve, or none could be."""
        if self.production.parent.is_symlink() and not self.production.is_file():
            raise DataError(str(production_problem(self.models)))
        if not self.production.is_file():
            self._refuse_without_production()
        return self.production

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


def _judged(rows: Dataset, verdict: Verdict) -> Dataset:
    """The evaluation rows the verdict was reached on: fewer than all when a model
    had trained on some."""
    if verdict.candidate is None:
        return rows
    return rows.take(rows.features.index.isin(verdict.candidate.predicted.index))


def _unservable(problem: str) -> Failure:
    return Failure(OVERALL, "infra_validation", {}, None, None, problem)


def _results(verdict: Verdict) -> dict[str, Any]:
    """The run record's findings: metrics of both models and the verdict."""
    return {
        "metrics": verdict.candidate.metrics if verdict.candidate else {},
        "baseline_metrics": verdict.baseline.metrics if verdict.baseline else None,
        "validation": verdict.gate.as_dict(),
        "judged_rows": verdict.rows_note or None,
    }


def _promotion(result: RunResult, releasing: bool) -> dict[str, Any]:
    """What the record says of promotion when written, just before the rename (see
    tracking.PROMOTED): "promoted" turns true only once production has moved."""
    if releasing:
        status = PENDING
    elif not result.promote:
        status = "experiment"
    elif result.withheld:
        status = "withheld"
    elif result.verdict.gate.validation_ok:
        status = "failed"  # blessed, asked for, and the rename did not happen
    else:
        status = "refused"
    withheld = {"withheld": result.withheld} if result.withheld else {}
    return {"promoted": False, "promotion": status} | withheld
