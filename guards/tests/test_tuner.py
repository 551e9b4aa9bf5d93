import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from research_guards.config import PipelineConfig
from research_guards.config import SearchDimension
from research_guards.config import TuningConfig
from research_guards.datatypes import Dataset
from research_guards.datatypes import Evaluation
from research_guards.errors import ConfigError
from research_guards.errors import DataError
from research_guards.errors import SearchInterrupted
from research_guards.tuner import Tuner
from research_guards.tuner import fold_score
from research_guards.tuner import space_note
from research_guards.tuner import study_name
from research_guards.tuner import study_of
from research_guards.tuner import tuner_of

SPACE = (
    SearchDimension("alpha", "float", 1e-3, 10.0, log=True),
    SearchDimension("depth", "int", 1, 8),
    SearchDimension("kind", "categorical", choices=("a", "b", "c")),
)
NAME = "tune-test"


def rows(count: int = 40) -> Dataset:
    """Hand-made rows whose index values are unique, so folds can be traced."""
    index = pd.Index(range(1000, 1000 + count))
    features = pd.DataFrame({"x": np.arange(count, dtype=float)}, index=index)
    labels = pd.Series(["p", "q"] * (count // 2), index=index, name="y")
    return Dataset(features, labels)


def settings(trials: int = 6, folds: int = 4) -> TuningConfig:
    return TuningConfig(SPACE, "accuracy", "higher_is_better", trials, None, folds)


def score(params: dict[str, Any], fit: Dataset, held: Dataset) -> float:
    """A smooth surface with one best point, known in advance."""
    kind = {"a": 0.0, "b": 0.3, "c": 0.1}[params["kind"]]
    closeness = (np.log10(params["alpha"]) - 0.5) ** 2 + abs(params["depth"] - 5)
    return float(kind - closeness)


def tuner(tmp_path: Path, config: TuningConfig | None = None, seed: int = 7) -> Tuner:
    return Tuner(config or settings(), tmp_path / "tuning.db", seed, "classification")


def quiet(line: str) -> None:
    """Progress lines are not what these tests look at."""


def test_folds_cover_exactly_the_given_rows_and_never_score_a_fitted_row(
    tmp_path: Path,
) -> None:
    given = rows()
    seen: list[tuple[set[int], set[int]]] = []

    def spy(params: dict[str, Any], fit: Dataset, held: Dataset) -> float:
        seen.append((set(fit.features.index), set(held.features.index)))
        assert list(fit.labels.index) == list(fit.features.index)
        return score(params, fit, held)

    tuner(tmp_path, settings(trials=1)).search(NAME, given, spy, quiet)
    assert len(seen) == 4
    for fit, held in seen:
        assert not fit & held and fit | held == set(given.features.index)
    assert set().union(*(held for _, held in seen)) == set(given.features.index)


def test_the_same_seed_chooses_the_same_parameters_and_another_seed_other_trials(
    tmp_path: Path,
) -> None:
    first = tuner(tmp_path / "a").search(NAME, rows(), score, quiet)
    second = tuner(tmp_path / "b").search(NAME, rows(), score, quiet)
    other = tuner(tmp_path / "c", seed=8).search(NAME, rows(), score, quiet)
    assert first.best == second.best
    assert [t.params for t in first.trials] == [t.params for t in second.trials]
    assert [t.params for t in first.trials] != [t.params for t in other.trials]


def test_a_later_search_resumes_the_study_and_continues_its_trial_count(
    tmp_path: Path,
) -> None:
    lines: list[str] = []
    first = tuner(tmp_path, settings(trials=3)).search(NAME, rows(), score, quiet)
    resumed = tuner(tmp_path, settings(trials=5)).search(
        NAME, rows(), score, lines.append
    )
    assert [t.number for t in first.trials] == [0, 1, 2]
    assert [t.number for t in resumed.trials] == [0, 1, 2, 3, 4]
    assert resumed.trials[:3] == first.trials
    assert lines[0].startswith("trial 4 of 5: #3 accuracy ")
    assert "best " in lines[0] and "alpha=" in lines[0]
    again: list[str] = []
    tuner(tmp_path, settings(trials=5)).search(NAME, rows(), score, again.append)
    assert again == [f"study {NAME} already holds 5 of 5 trials"]


def test_ctrl_c_keeps_the_finished_trials_and_says_how_to_resume(
    tmp_path: Path,
) -> None:
    calls = 0

    def interrupted(params: dict[str, Any], fit: Dataset, held: Dataset) -> float:
        nonlocal calls
        calls += 1
        if calls == 10:  # the third trial's second fold (4 folds a trial)
            raise KeyboardInterrupt
        return score(params, fit, held)

    search = tuner(tmp_path, settings(trials=5))
    with pytest.raises(SearchInterrupted) as raised:
        search.search(NAME, rows(), interrupted, quiet)
    message = str(raised.value)
    assert "\n" not in message and "2 finished trials of study" in message
    assert "resumes" in message and str(tmp_path / "tuning.db") in message
    resumed = search.search(NAME, rows(), score, quiet)
    complete = [t for t in resumed.trials if t.state == "COMPLETE"]
    assert len(complete) == 5  # the cut-short trial does not count
    assert [t.number for t in resumed.trials] == [0, 1, 2, 3, 4, 5]
    assert resumed.trials[2].state == "FAIL"


def test_the_summary_names_the_best_trial_and_the_importances(tmp_path: Path) -> None:
    search = tuner(tmp_path, settings(trials=8))
    assert search.summary(NAME) is None  # no study yet
    summary = search.search(NAME, rows(), score, quiet)
    scores = [t.score for t in summary.trials if t.score is not None]
    assert summary.best.score == max(scores)
    assert summary.study == NAME and summary.folds == 4
    assert set(summary.importances) == {"alpha", "depth", "kind"}
    assert sum(summary.importances.values()) == pytest.approx(1.0)
    assert search.summary(NAME) == summary
    record = summary.as_record()
    assert record["trial"] == summary.best.number
    assert record["cv_score"] == summary.best.score
    assert len(record["trials"]) == 8


def test_a_lower_is_better_metric_is_minimised(tmp_path: Path) -> None:
    lowest = TuningConfig(SPACE, "log_loss", "lower_is_better", 6, None, 4)
    summary = tuner(tmp_path, lowest).search(NAME, rows(), score, quiet)
    scores = [t.score for t in summary.trials if t.score is not None]
    assert summary.best.score == min(scores)


def test_every_trial_failing_is_one_line_with_the_first_reason(
    tmp_path: Path,
) -> None:
    def broken(params: dict[str, Any], fit: Dataset, held: Dataset) -> float:
        raise ConfigError("[model] the estimator cannot be fitted: depth too deep")

    with pytest.raises(ConfigError, match="every trial failed: .*depth too deep"):
        tuner(tmp_path, settings(trials=2)).search(NAME, rows(), broken, quiet)


def test_more_folds_than_rows_of_a_class_is_refused(tmp_path: Path) -> None:
    few = rows(12)
    with pytest.raises(DataError, match=r"folds = 8 needs 8 training rows .*has 6"):
        tuner(tmp_path, settings(folds=8)).search(NAME, few, score, quiet)


def test_regression_folds_need_enough_rows(tmp_path: Path) -> None:
    given = rows(10)
    numeric = Dataset(given.features, given.features["x"] * 2.0)
    regression = Tuner(settings(folds=4), tmp_path / "t.db", 7, "regression")
    summary = regression.search(NAME, numeric, score, quiet)
    assert len(summary.trials) == 6
    with pytest.raises(DataError, match="needs at least 12 training rows"):
        Tuner(settings(folds=6), tmp_path / "u.db", 7, "regression").search(
            NAME, numeric, score, quiet
        )


def test_study_names_are_stable_and_follow_their_identity() -> None:
    base = {"seed": 1, "tuning": {"metric": "accuracy"}}
    assert study_name(base) == study_name(dict(reversed(base.items())))
    assert study_name(base) != study_name(base | {"seed": 2})
    assert study_name(base).startswith("tune-")


def test_two_searches_of_one_study_at_once_keep_to_its_total(tmp_path: Path) -> None:
    """Two `tune` of one config at once ran "trial 12 of 6": the second now says in
    one line that it waits, then finds the total reached and runs nothing more.
    The first's trials block until the second is waiting (or, without the lock,
    has run trials of its own on top, which the count shows)."""
    started, waiting = threading.Event(), threading.Event()
    lines: list[str] = []

    def slow(params: dict[str, Any], fit: Dataset, held: Dataset) -> float:
        started.set()  # the first search holds its study's lock from here on
        waiting.wait(timeout=60)
        return score(params, fit, held)

    def second_progress(line: str) -> None:
        lines.append(line)
        if "waiting" in line:
            waiting.set()

    first = threading.Thread(
        target=tuner(tmp_path, settings(trials=2)).search,
        args=(NAME, rows(), slow, quiet),
    )
    first.start()
    started.wait(timeout=60)
    summary = tuner(tmp_path, settings(trials=2)).search(
        NAME, rows(), score, second_progress
    )
    waiting.set()  # without the lock the second did not wait: free the first
    first.join()
    summary = tuner(tmp_path, settings(trials=2)).summary(NAME) or summary
    assert len(summary.trials) == 2
    assert lines[0].startswith(f"another search of study {NAME} is running: waiting")
    assert lines[1:] == [f"study {NAME} already holds 2 of 2 trials"]


def test_the_largest_seed_the_config_allows_resumes_a_study(tmp_path: Path) -> None:
    """The sampler's seed is the config's plus the trials so far, kept in numpy's
    range so the largest seed ([config] allows up to 2**32 - 1) still resumes."""
    largest = tuner(tmp_path, settings(trials=1), seed=2**32 - 1)
    largest.search(NAME, rows(), score, quiet)
    assert len(largest.search(NAME, rows(), score, quiet, trials=2).trials) == 2


def test_a_config_without_tuning_has_no_tuner_to_search_with(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no \[tuning\] table"):
        tuner_of(None)
    settings = TuningConfig((), "r2", "higher_is_better")
    tuner = Tuner(settings, tmp_path / "tuning.db", 0, "regression")
    assert tuner_of(tuner) is tuner


def test_the_study_of_a_config_follows_its_data_and_search_not_its_budget(
    config: PipelineConfig,
) -> None:
    space = (SearchDimension("C", "float", 0.1, 10.0),)
    tuned = replace(
        config, tuning=TuningConfig(space, "accuracy", "higher_is_better", 3)
    )
    name = study_of(tuned, "hash")
    assert name.startswith("tune-") and name == study_of(tuned, "hash")
    assert study_of(tuned, "other data") != name
    assert study_of(replace(tuned, seed=4), "hash") != name
    more = replace(tuned, tuning=TuningConfig(space, "accuracy", "higher_is_better", 9))
    assert study_of(more, "hash") == name


def test_a_space_that_does_not_fit_is_noted_in_one_line() -> None:
    assert space_note("sklearn.svm.SVC", []) is None
    assert space_note("sklearn.svm.SVC", ["depth"]) == (
        "[tuning.space] does not fit sklearn.svm.SVC (depth is not a parameter of "
        "it): ignored, so run trains with [model.params] as written and tune "
        "refuses until the space is rewritten for it"
    )
    note = space_note("sklearn.svm.SVC", ["depth", "leaves"]) or ""
    assert "(depth, leaves are not parameters of it)" in note


def test_a_fold_score_is_the_overall_metric_or_one_line_why_not() -> None:
    evaluation = Evaluation({"overall": {"accuracy": 0.5}}, pd.Series(), None, [])
    assert fold_score(evaluation, "accuracy") == 0.5
    with pytest.raises(ConfigError, match="'recall' is not computed for this label"):
        fold_score(evaluation, "recall")
