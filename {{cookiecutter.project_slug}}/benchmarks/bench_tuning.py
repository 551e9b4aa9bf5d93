"""What the hyperparameter search buys on the project's data, and what it costs.

In a temporary folder (the project's models/ and runs/ are not touched): the model of
[model.params] as written is trained and promoted, the [tuning] search runs (timed:
trials, wall seconds, best cross-validated score), then the tuned candidate is gated
against that default model, as `make pipeline` gates it. A figure to report, never a
test.

Run: uv run python benchmarks/bench_tuning.py [TRIALS]  (default: [tuning] trials)
"""

import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from research_guards.config import DEFAULT_CONFIG
from research_guards.config import OutputConfig
from research_guards.config import load_config
from research_guards.datatypes import OVERALL

from {{ cookiecutter.module_name }}.pipeline import Pipeline


def quiet(line: str) -> None:
    """Trial lines are the search's own report, not the benchmark's."""


def main(arguments: list[str]) -> None:
    trials = int(arguments[0]) if arguments else None
    config = load_config(DEFAULT_CONFIG)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        output = OutputConfig(root / "models", root / "runs", root / "reports")
        pipeline = Pipeline.from_config(replace(config, output=output))
        default = pipeline.run(use_tuned=False)
        started = time.perf_counter()
        search = pipeline.tune(quiet, trials)
        seconds = time.perf_counter() - started
        tuned = pipeline.run()
    finished = sum(trial.state == "COMPLETE" for trial in search.trials)
    print(f"data: {config.data.train.name}, {config.model.estimator}")
    print(
        f"search: {finished} of {len(search.trials)} trials complete in "
        f"{seconds:.1f} s; best trial #{search.best.number} {search.best.params}"
    )
    print(
        f"best cross-validated {search.metric} ({search.folds} folds): "
        f"{search.best.score:.4f}"
    )
    verdict = tuned.verdict
    print(f"default model: promoted={default.release is not None}")
    for name in sorted({t.metric for t in pipeline.config.evaluation.thresholds or ()}):
        candidate = verdict.candidate.metrics[OVERALL] if verdict.candidate else {}
        production = verdict.baseline.metrics[OVERALL] if verdict.baseline else {}
        print(
            f"  {name}: tuned {candidate.get(name, float('nan')):.4f}, "
            f"default {production.get(name, float('nan')):.4f}"
        )
    outcome = "blessed" if verdict.gate.validation_ok else "refused"
    print(f"gate, tuned against default: {outcome}")
    for failure in verdict.gate.failures:
        print(f"  {failure}")


if __name__ == "__main__":
    main(sys.argv[1:])
