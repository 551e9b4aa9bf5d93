import errno
import json
import math
import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import LABEL
from conftest import ProjectFactory
from conftest import settled
from conftest import split_rows
from conftest import train

from research_guards.config import MetricThreshold
from research_guards.config import PipelineConfig
from research_guards.config import load_config
from research_guards.datatypes import Anomaly
from research_guards.datatypes import Dataset
from research_guards.datatypes import Evaluation
from research_guards.datatypes import ModelArtifact
from research_guards.datatypes import RowIds
from research_guards.errors import AnomaliesFound
from research_guards.errors import ConfigError
from research_guards.errors import DataError
from research_guards.gate import ModelGate
from research_guards.metrics import evaluate
from research_guards.release import MIN_JUDGED_ROWS
from research_guards.release import Release
from research_guards.release import RunResult
from research_guards.release import hash_of
from research_guards.release import refuse
from research_guards.sources import CsvSource
from research_guards.storage import MODEL_FILE
from research_guards.storage import load_artifact
from research_guards.storage import promote_release
from research_guards.storage import save_artifact
from research_guards.tracking import RunRecorder


def serve(path: Path, rows: pd.DataFrame) -> pd.DataFrame:
    """A Predictor without the schema check: the saved model's answers."""
    from research_guards.storage import load_artifact

    artifact = load_artifact(path)
    return rows.assign(**{f"predicted_{artifact.label}": artifact.predict(rows)})


def unnamed(rows: Dataset, columns: tuple[str, ...]) -> RowIds | None:
    return None


def release_of(
    config: PipelineConfig, watched: tuple[Path, dict[str, Any]] | None = None
) -> Release:
    config = settled(config)
    slices, sensitive = config.evaluation.slices, config.evaluation.sensitive_feature

    def score(artifact: ModelArtifact, rows: Dataset) -> Evaluation:
        return evaluate(artifact, rows, slices, sensitive)

    return Release(
        config,
        ModelGate(config.evaluation.thresholds or ()),
        RunRecorder(config.output.runs, config.root),
        (score, serve, unnamed),
        str(config.data.train),
        watched,
    )


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def named(rows: Dataset, start: int = 0) -> Dataset:
    """The rows, named by their position plus `start`."""
    hashes = np.arange(start, start + len(rows), dtype=np.uint64)
    return replace(rows, rows=RowIds(("id",), hashes))


def trained_on(artifact: ModelArtifact, hashes: Any) -> ModelArtifact:
    ids = RowIds(("id",), np.asarray(hashes, dtype=np.uint64))
    return replace(artifact, training_rows=ids)


def candidate(release: Release, artifact: ModelArtifact) -> tuple[str, Path]:
    return release.save_candidate(artifact)


def install(release: Release, artifact: ModelArtifact, name: str = "older") -> None:
    path = release.config.output.runs / name / MODEL_FILE
    save_artifact(path, artifact)
    promote_release(release.models, path, name)


def judged(
    release: Release, run_dir: Path, frame: pd.DataFrame, test: Dataset
) -> RunResult:
    production = release.production_model(test)
    verdict = release.judge(run_dir, frame, test, production)
    return RunResult(run_dir.name, [], verdict, run_dir, None, test)


@pytest.fixture
def frame(sample: pd.DataFrame) -> pd.DataFrame:
    return sample.dropna(subset=[LABEL]).reset_index(drop=True)


def test_the_first_candidate_is_a_rubber_stamp_recorded_then_promoted(
    config: PipelineConfig,
    artifact: ModelArtifact,
    split: tuple[Dataset, Dataset],
    frame: pd.DataFrame,
) -> None:
    release = release_of(config)
    started = release.fingerprint()
    run_id, run_dir = candidate(release, artifact)
    assert release.serving_version() is None
    result = release.finish(judged(release, run_dir, frame, split[1]), started, None)
    assert result.verdict.gate.rubber_stamp and result.release is not None
    assert release.serving_version() == run_id
    record = read_json(run_dir / "record.json")
    assert record["promoted"] is True and record["promotion"] == "done"
    assert record["task"] == "classification" and record["experiment"] is False
    assert record["validation"] == read_json(run_dir / "validation.json")
    assert record["data_hashes"] == {str(settled(config).data.train): started}
    assert release.served() == release.production


def test_an_experiment_and_a_refused_candidate_are_recorded_not_released(
    config: PipelineConfig,
    artifact: ModelArtifact,
    split: tuple[Dataset, Dataset],
    frame: pd.DataFrame,
) -> None:
    release = release_of(config)
    started = release.fingerprint()
    _, run_dir = candidate(release, artifact)
    draft = judged(release, run_dir, frame, split[1])
    experiment = release.finish(replace(draft, promote=False), started, None)
    assert experiment.release is None
    assert read_json(run_dir / "record.json")["promotion"] == "experiment"
    with pytest.raises(DataError, match="the gate refused 0 of 1 runs and 1 blessed"):
        release.served()
    # no thresholds: only a rubber stamp passes, and this is none
    strict = replace_release(release, gate=ModelGate(()))
    install(release, artifact)
    refused = release.finish(judged(strict, run_dir, frame, split[1]), started, None)
    assert not refused.verdict.gate.validation_ok and refused.release is None
    assert read_json(run_dir / "record.json")["promotion"] == "refused"


def replace_release(release: Release, **changes: Any) -> Release:
    made = Release(
        release.config,
        release.gate,
        release.recorder,
        (release.score, release.serve, release.row_names),
        release.location,
        release.watched,
    )
    for name, value in changes.items():
        setattr(made, name, value)
    return made


def test_evaluate_writes_its_verdict_to_reports_and_records_nothing(
    config: PipelineConfig,
    artifact: ModelArtifact,
    split: tuple[Dataset, Dataset],
    frame: pd.DataFrame,
) -> None:
    release = release_of(config)
    _, run_dir = candidate(release, artifact)
    draft = replace(judged(release, run_dir, frame, split[1]), recorded=False)
    result = release.finish(draft, release.fingerprint(), None)
    assert result.release is not None
    reports = release.config.output.reports
    assert (reports / "validation.json").is_file()
    assert not (run_dir / "validation.json").exists()
    assert not (run_dir / "record.json").exists()


def test_a_candidate_that_cannot_be_served_is_refused_in_the_verdict(
    config: PipelineConfig,
    artifact: ModelArtifact,
    split: tuple[Dataset, Dataset],
    frame: pd.DataFrame,
) -> None:
    release = release_of(config)
    _, run_dir = candidate(release, artifact)
    (run_dir / MODEL_FILE).write_bytes(b"truncated")
    release.refuse_foreign_candidate(run_dir, split[1])  # the verdict's to refuse
    verdict = release.judge(run_dir, frame, split[1], None)
    (failure,) = verdict.gate.failures
    assert verdict.candidate is None and failure.metric == "infra_validation"
    assert failure.message.startswith("cannot be served: ")
    result = RunResult("x", [], verdict, run_dir, None, split[1])
    assert release.write_report(result) is None


def test_wrong_answers_are_infra_validation_failures(
    config: PipelineConfig,
    project: ProjectFactory,
    artifact: ModelArtifact,
    frame: pd.DataFrame,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    release = release_of(config)
    _, run_dir = candidate(release, artifact)
    rows = frame.drop(columns=[LABEL])
    path = run_dir / MODEL_FILE

    def answers(values: Any, count: int | None = None) -> None:
        served = rows.iloc[:count].assign(**{f"predicted_{LABEL}": values})
        monkeypatch.setattr(release, "serve", lambda path, rows: served)

    answers("z")
    assert release.serving_problem(path, rows) == (
        "answered with ['z'] for classes ['a', 'b', 'c']"
    )
    answers("a", 3)
    assert release.serving_problem(path, rows) == f"answered 3 rows for {len(rows)}"
    regression = release_of(project("regression"))
    table = CsvSource(regression.config.data.train).read().drop(columns=[LABEL])
    forest = train(regression.config, _dataset(regression.config))
    _, folder = candidate(regression, forest)
    monkeypatch.setattr(
        regression,
        "serve",
        lambda path, rows: rows.assign(**{f"predicted_{LABEL}": math.inf}),
    )
    assert regression.serving_problem(folder / MODEL_FILE, table) == (
        "answered with values that are not finite numbers"
    )
    monkeypatch.setattr(
        regression,
        "serve",
        lambda path, rows: rows.assign(**{f"predicted_{LABEL}": 1.0}),
    )
    assert regression.serving_problem(folder / MODEL_FILE, table) is None


def _dataset(config: PipelineConfig) -> Dataset:
    rows = CsvSource(config.data.train).read().dropna(subset=[LABEL])
    features = [*config.features.numeric, *config.features.categorical]
    return Dataset(rows[features], rows[LABEL])


def test_both_models_are_judged_only_on_rows_neither_trained_on(
    config: PipelineConfig, artifact: ModelArtifact, split: tuple[Dataset, Dataset]
) -> None:
    release = release_of(config)
    test = named(split[1])
    size = len(test)
    production = trained_on(artifact, range(5))
    newer = trained_on(artifact, range(3, 8))
    rows, note = release.unseen(test, {"candidate": newer, "production": production})
    assert len(rows) == size - 8
    assert note == (
        f"candidate trained on 5 and production trained on 5 of {size} evaluation "
        f"rows; both judged on the {size - 8} others"
    )
    only, said = release.unseen(test, {"production": production, "candidate": None})
    assert said.endswith(f"judged on the {size - 5} others") and len(only) == size - 5
    unseen, nothing = release.unseen(test, {"candidate": trained_on(artifact, [999])})
    assert unseen is test and nothing == ""


def test_too_few_unseen_rows_are_refused_with_how_to_start_afresh(
    config: PipelineConfig, artifact: ModelArtifact, split: tuple[Dataset, Dataset]
) -> None:
    release = release_of(config)
    test = named(split[1])
    most = trained_on(artifact, range(len(test) - MIN_JUDGED_ROWS + 1))
    with pytest.raises(DataError) as raised:
        release.unseen(test, {"production": most})
    assert re.fullmatch(
        r"production trained on \d+ of \d+ evaluation rows; the 19 others are too "
        r"few to judge by \(fewer than 20\): to start a new line of models, remove "
        r"the link .*models/production \(its release folder stays\)",
        str(raised.value),
    )
    install(release, most)
    with pytest.raises(DataError, match="too few to judge by"):
        release.production_model(test)
    with pytest.raises(DataError, match=r"trained under this split \(`make"):
        release.unseen(test, {"candidate": most})


def test_training_rows_named_by_other_columns_are_found_or_said_unknown(
    config: PipelineConfig, artifact: ModelArtifact, split: tuple[Dataset, Dataset]
) -> None:
    release = release_of(config)
    test = split[1]
    by_site = replace(artifact, training_rows=RowIds(("site",), np.zeros(1, np.uint64)))
    _, note = release.unseen(test, {"production": by_site})
    assert note == (
        "production's training rows are unknown (the data has no column []): it may "
        f"have trained on some of the {len(test)} evaluation rows, which would "
        f"flatter it; to start a new line of models, remove the link "
        f"{release.production.parent} (its release folder stays)"
    )
    release.row_names = lambda rows, columns: RowIds(
        columns, np.arange(len(rows), dtype=np.uint64)
    )
    rows, note = release.unseen(test, {"candidate": by_site})
    assert len(rows) == len(test) - 1 and note.startswith("candidate trained on 1 of")
    legacy = replace(artifact, training_rows=None)
    _, note = release.unseen(test, {"candidate": legacy})
    assert note.startswith("candidate's training rows are unknown (saved before")
    assert note.endswith("which would flatter it")


def test_production_models_that_cannot_be_gated_against_stop_the_run(
    config: PipelineConfig,
    project: ProjectFactory,
    artifact: ModelArtifact,
    split: tuple[Dataset, Dataset],
) -> None:
    release = release_of(config)
    test = split[1]
    assert release.production_model(test) is None  # the first run
    install(release, artifact)
    assert release.production_model(test) is not None
    narrow = replace(artifact, feature_names=(*artifact.feature_names, "gone"))
    install(release, narrow, "narrow")
    with pytest.raises(DataError, match=r"needs columns \['gone'\]"):
        release.production_model(test)
    install(release, replace(artifact, task="regression"), "other")
    with pytest.raises(DataError, match="is for regression, the config for"):
        release.production_model(test)
    release.production.write_bytes(b"garbage")
    with pytest.raises(DataError, match=r"remove the link .* \(a rubber stamp\)"):
        release.production_model(test)
    (release.models / "other").rename(release.models / "moved")
    with pytest.raises(DataError, match="ln -sfn"):
        release.production_model(test)
    with pytest.raises(DataError, match="ln -sfn"):
        release.served()


def test_a_production_folder_is_refused_before_a_promoting_run(
    config: PipelineConfig,
) -> None:
    release = release_of(config)
    release.refuse_unready(promote=True)
    (release.models / "production").mkdir(parents=True)
    release.refuse_unready(promote=False)  # an experiment never repoints it
    with pytest.raises(DataError, match="real folder, not a link"):
        release.refuse_unready(promote=True)


def test_a_candidate_folder_must_hold_a_model_of_this_table(
    config: PipelineConfig, artifact: ModelArtifact, split: tuple[Dataset, Dataset]
) -> None:
    release = release_of(config)
    with pytest.raises(DataError, match="no such folder"):
        release.refuse_missing_candidate(release.config.output.runs / "absent")
    release.config.output.runs.mkdir(parents=True)
    with pytest.raises(DataError, match="no model.joblib in it"):
        release.refuse_missing_candidate(release.config.output.runs)
    foreign = replace(
        artifact,
        feature_names=(*artifact.feature_names, "depth"),
        label="kind",
        task="regression",
    )
    _, run_dir = candidate(release, foreign)
    release.refuse_missing_candidate(run_dir)
    with pytest.raises(DataError) as raised:
        release.refuse_foreign_candidate(run_dir, split[1])
    assert str(raised.value) == (
        f"{run_dir}: the candidate needs columns ['depth'] and the label 'kind' and "
        f"a regression task, which {release.location} and the config lack (it was "
        "trained on another table): evaluate a run of this one"
    )


def test_a_change_of_data_or_config_during_a_run_withholds_the_release(
    config_path: Path,
    artifact: ModelArtifact,
    split: tuple[Dataset, Dataset],
    frame: pd.DataFrame,
) -> None:
    loaded = load_config(config_path)
    release = release_of(loaded, (config_path, loaded.as_dict()))
    started = release.fingerprint()
    assert release.changed(started) is None
    text = config_path.read_text(encoding="utf-8")
    config_path.write_text(text.replace("seed = 3", "seed = 4"), encoding="utf-8")
    assert release.changed(started) == f"{config_path} changed during the run"
    config_path.write_text("seed = ", encoding="utf-8")
    assert (release.changed(started) or "").startswith(
        "the project changed during the run ("
    )
    _, run_dir = candidate(release, artifact)
    result = release.finish(judged(release, run_dir, frame, split[1]), "old", None)
    assert result.withheld == f"{release.config.data.train} changed during the run"
    assert result.release is None and not release.production.exists()
    record = read_json(run_dir / "record.json")
    assert record["promotion"] == "withheld" and record["withheld"] == result.withheld


STEPS = ["validation.json", "evaluation.html", "record.json", "release", "rename"]


@pytest.mark.parametrize("step", STEPS)
def test_a_failure_at_any_step_leaves_production_and_no_record_claims_it(
    config: PipelineConfig,
    artifact: ModelArtifact,
    split: tuple[Dataset, Dataset],
    frame: pd.DataFrame,
    monkeypatch: pytest.MonkeyPatch,
    step: str,
) -> None:
    """The verdict, the page and the record come first; the rename last. Whichever
    step fails, production is what it was and no record says promoted."""
    release = release_of(config)
    install(release, artifact)
    before = os.readlink(release.models / "production")
    _, run_dir = candidate(release, artifact)
    draft = judged(release, run_dir, frame, split[1])
    rename = os.replace

    def page(result: RunResult) -> Path:
        if step == "evaluation.html":
            raise DataError("evaluation.html: cannot write (No space left on device)")
        return release.config.output.reports / "evaluation.html"

    def fail(path: Path, *args: Any) -> None:
        raise DataError(f"{path}: cannot write (No space left on device)")

    def renaming(source: Any, target: Any) -> None:
        if step == "rename" and Path(target).name == "production":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        rename(source, target)

    if step == "validation.json":
        monkeypatch.setattr("research_guards.release.write_json", fail)
    if step == "record.json":
        monkeypatch.setattr(release.recorder, "record", fail)
    if step == "release":
        monkeypatch.setattr("research_guards.release.promote_release", fail)
    monkeypatch.setattr(os, "replace", renaming)
    with pytest.raises(DataError) as raised:
        release.finish(draft, release.fingerprint(), page)
    assert "\n" not in str(raised.value)
    assert os.readlink(release.models / "production") == before
    if (run_dir / "record.json").is_file():
        record = read_json(run_dir / "record.json")
        assert record["promoted"] is False and record["promotion"] == "failed"


def test_a_record_that_cannot_be_marked_promoted_says_production_moved(
    config: PipelineConfig,
    artifact: ModelArtifact,
    split: tuple[Dataset, Dataset],
    frame: pd.DataFrame,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    release = release_of(config)
    _, run_dir = candidate(release, artifact)
    draft = judged(release, run_dir, frame, split[1])

    def unreadable(run_id: str) -> None:
        raise DataError("record.json: cannot read it back (gone)")

    monkeypatch.setattr(release.recorder, "mark_promoted", unreadable)
    with pytest.raises(DataError, match="promoted to production .* still says"):
        release.finish(draft, release.fingerprint(), None)
    assert release.production.is_file()


def test_a_full_disk_while_saving_a_candidate_leaves_no_run_folder(
    config: PipelineConfig, artifact: ModelArtifact, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = release_of(config)

    def full(path: Path, artifact: ModelArtifact) -> None:
        path.parent.mkdir(parents=True)
        raise DataError(f"{path}: cannot write (No space left on device)")

    monkeypatch.setattr("research_guards.release.save_artifact", full)
    with pytest.raises(DataError, match="No space left"):
        release.save_candidate(artifact)
    assert not any(release.config.output.runs.iterdir())


def test_the_page_is_drawn_on_the_judged_rows_and_kept_with_the_run(
    config: PipelineConfig,
    artifact: ModelArtifact,
    split: tuple[Dataset, Dataset],
    frame: pd.DataFrame,
) -> None:
    release = release_of(config)
    _, run_dir = candidate(release, artifact)
    result = release.finish(
        judged(release, run_dir, frame, split[1]),
        release.fingerprint(),
        release.write_report,
    )
    page = release.config.output.reports / "evaluation.html"
    assert result.report == page and (run_dir / "evaluation.html").is_file()
    served = release.models / "production" / "evaluation.html"
    assert served.read_text(encoding="utf-8") == page.read_text(encoding="utf-8")
    run_id = run_dir.name
    assert (
        f"Model {run_id}: blessed and promoted to production by this run; no "
        "production model to compare with (a rubber stamp)."
    ) in page.read_text(encoding="utf-8")


def test_a_refused_or_experimental_page_says_so_and_leaves_the_served_page(
    config: PipelineConfig,
    artifact: ModelArtifact,
    split: tuple[Dataset, Dataset],
    frame: pd.DataFrame,
) -> None:
    """reports/evaluation.html is every run's page; models/production's is the
    served model's, and each page says which it is and what it was compared with."""
    release = release_of(config)
    install(release, artifact, "older")
    served = release.models / "production" / "evaluation.html"
    served.write_text("the served model's page", encoding="utf-8")
    floor = (MetricThreshold("accuracy", lower_bound=1.5),)
    refusing = release_of(
        replace(config, evaluation=replace(config.evaluation, thresholds=floor))
    )
    _, run_dir = candidate(refusing, artifact)
    judged_run = judged(refusing, run_dir, frame, split[1])
    refusing.finish(judged_run, refusing.fingerprint(), refusing.write_report)
    text = (release.config.output.reports / "evaluation.html").read_text("utf-8")
    assert (
        f"Model {run_dir.name}: refused; production unchanged; compared with " in text
    )
    assert "production model older." in text
    _, run_dir = candidate(release, artifact)
    experiment = replace(judged(release, run_dir, frame, split[1]), promote=False)
    release.finish(experiment, release.fingerprint(), release.write_report)
    text = (release.config.output.reports / "evaluation.html").read_text("utf-8")
    assert "an experiment (--no-promote): gated, never released" in text
    assert served.read_text(encoding="utf-8") == "the served model's page"


def test_refuse_lists_anomalies_and_fired_comparisons() -> None:
    refuse([], [], "table.csv")
    anomaly = Anomaly("site", "ENUM_TYPE_UNEXPECTED_STRING_VALUES", "x", "a, b")
    with pytest.raises(AnomaliesFound, match="nothing trained") as raised:
        refuse([anomaly], [], "table.csv")
    assert str(anomaly) in str(raised.value)


class Unhashable(CsvSource):
    """A file that reads (the OS cached it) but cannot be opened to hash."""

    def fingerprint(self) -> str:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))


def test_a_source_that_cannot_be_hashed_is_one_line(config: PipelineConfig) -> None:
    with pytest.raises(DataError) as raised:
        hash_of(Unhashable(config.data.train))
    assert str(raised.value) == (
        f"{config.data.train}: cannot be read (Permission denied)"
    )


def test_a_candidate_predicts_with_the_configs_decision_threshold(
    project: ProjectFactory, config: PipelineConfig, artifact: ModelArtifact
) -> None:
    """The threshold the What-If page writes reaches the saved candidate, which the
    gate then judges and the Predictor serves; a model it cannot apply to (here
    three classes) is refused before a run folder is made."""
    binary = settled(project("binary"))
    train_rows, _ = split_rows(binary, CsvSource(binary.data.train).read())
    evaluation = replace(binary.evaluation, decision_threshold=0.8)
    release = release_of(replace(binary, evaluation=evaluation))
    _, run_dir = release.save_candidate(train(binary, train_rows))
    assert load_artifact(run_dir / MODEL_FILE).threshold == 0.8
    multiclass = release_of(
        replace(config, evaluation=replace(config.evaluation, decision_threshold=0.8))
    )
    with pytest.raises(ConfigError, match="applies to a binary classifier"):
        multiclass.save_candidate(artifact)
    assert not config.output.runs.exists() or not any(config.output.runs.iterdir())
