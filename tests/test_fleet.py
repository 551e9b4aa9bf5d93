"""The standard at org scale, offline: a local template clone with releases, five baked
repositories (one current, two behind, one with a conflicting local edit, one that
cannot be reached), and `python -m fleet report|update|release` over them."""

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import TEMPLATE
from conftest import assert_make_passes
from conftest import bake_at
from conftest import commit
from conftest import edit
from conftest import fleet
from conftest import project_environment
from conftest import release
from conftest import run
from conftest import template_clone

SLUG = "{{cookiecutter.project_slug}}"


@dataclass(frozen=True)
class Fleet:
    template: Path
    current: Path
    behind: tuple[Path, Path]
    conflicting: Path
    unreachable: Path

    @property
    def entries(self) -> list[str]:
        repositories = [self.current, *self.behind, self.conflicting, self.unreachable]
        return [str(path) for path in repositories]


DOCS_BEFORE = "*is* the standard, released by tags"
DOCS_AFTER = "*is* the org's standard, released by tags"


def build_fleet(tmp_path: Path) -> Fleet:
    """v1.0.0, v1.0.1 (the template's README and a wording fix in the generated
    docs/standard.md), then v1.1.0, which changes .flake8, a tool pin in
    pyproject.toml and the reusable workflow (so generated ci.yml gets a new pin)."""
    template = template_clone(tmp_path)
    first_release = release(template, "1.0.0", "First.")
    assert "repinned" in first_release and "research-guards is 1.0.0" in first_release
    first = bake_at(template, "v1.0.0", tmp_path / "one")
    edit(
        first / "configs" / "pipeline.toml", "n_estimators = 200", "n_estimators = 150"
    )
    with (first / "Makefile").open("a", encoding="utf-8") as makefile:
        makefile.write("\nhello: ## the project's own target\n\t@echo hello\n")
    # A project dependency's line, as Dependabot's bump edits it (its uv ecosystem
    # leaves the standard's tool pins alone: .github/dependabot.yml).
    edit(first / "pyproject.toml", '    "pandas",\n', '    "pandas>=3.1.1",\n')
    commit(first, "the project's own changes")
    second = bake_at(
        template,
        "v1.0.0",
        tmp_path / "two",
        project_name="Sea Ice",
        coverage_service="none",
    )
    edit(second / "src" / "sea_ice" / "evaluator.py", "Held-out", "Held out")
    commit(second, "a change to the project's code")
    conflicting = tmp_path / "three" / "penguin-research"
    cloned = run(tmp_path, "git", "clone", "-q", str(first), str(conflicting))
    assert cloned.returncode == 0, cloned.stdout
    edit(conflicting / ".flake8", "max-line-length = 88", "max-line-length = 100")
    commit(conflicting, "a local edit of a standard line")

    edit(template / "README.md", "# cookiecutter-research-ci", "# Research CI")
    # A wording fix of the standard's docs: it reaches no repository on its own.
    edit(template / SLUG / "docs" / "standard.md", DOCS_BEFORE, DOCS_AFTER)
    commit(template, "README and docs wording only")
    readme_release = release(template, "1.0.1", "The template's README.")
    assert "keeps its pin" in readme_release
    assert "research-guards keeps its version" in readme_release

    standard = template / SLUG / ".flake8"
    edit(standard, "max-line-length = 88", "max-line-length = 90")
    # A tool pin of the standard's, which the release moves (Dependabot does not).
    edit(template / SLUG / "pyproject.toml", "pytest-cov==7.1.0", "pytest-cov==7.0.0")
    workflow = template / ".github" / "workflows" / "research-ci.yml"
    edit(workflow, "timeout-minutes: 10\n", "timeout-minutes: 12\n")
    commit(template, "standard B")
    assert "repinned" in release(template, "1.1.0", "flake8 allows 90 columns.")
    current = bake_at(template, "v1.1.0", tmp_path / "four")
    ci = current / ".github" / "workflows" / "ci.yml"
    kept = [
        line for line in ci.read_text().splitlines() if "research-coverage" not in line
    ]
    ci.write_text("\n".join(kept) + "\n", encoding="utf-8")
    commit(current, "a repository that dropped its coverage upload")
    return Fleet(
        template, current, (first, second), conflicting, tmp_path / "gone" / "repo"
    )


def rows(output: str) -> dict[str, list[str]]:
    """The table's cells by repository, cut where the dashed line under the header
    says the columns are."""
    lines = output.splitlines()
    rule = next(index for index, line in enumerate(lines) if line.startswith("---"))
    starts = [0] + [i + 2 for i, char in enumerate(lines[rule]) if char == " "][::2]
    spans = list(zip(starts, [*starts[1:], None]))
    table = [line for line in lines[rule + 1 :] if line.startswith("/")]
    cells = [[line[a:b].strip() for a, b in spans] for line in table]
    return {row[0]: row for row in cells}


def test_report_lists_each_repository_and_a_readme_release_marks_none_behind(
    tmp_path: Path,
) -> None:
    built = build_fleet(tmp_path)
    page = tmp_path / "report.html"
    reported = fleet("report", *built.entries, "--html", str(page))
    assert reported.returncode == 0, reported.stdout + reported.stderr
    lines = rows(reported.stdout)
    current = lines[str(built.current)]
    assert current[1:4] == ["v1.1.0", "v1.1.0", "current"]
    assert current[6] == "qlty (no upload in ci.yml)"
    for path in [*built.behind, built.conflicting]:
        line = lines[str(path)]
        assert line[1:4] == ["v1.0.0", "v1.1.0", "behind"], line
        assert line[4] == (
            ".flake8 (changed), .github/workflows/ci.yml (changed), "
            "docs/standard.md (changed), pyproject.toml (changed)"
        )
        assert line[5] == line[7] == "n/a (local)"
    assert lines[str(built.behind[0])][6] == "qlty"
    assert lines[str(built.behind[1])][6] == "none"
    unreachable = lines[str(built.unreachable)]
    assert unreachable[3] == "error" and unreachable[4].startswith("cannot reach: ")
    assert "5 repositories: 1 current, 3 behind, 1 unreadable" in reported.stdout
    html = page.read_text(encoding="utf-8")
    assert html.count('<tr class="behind">') == 3 and 'id="filter"' in html
    assert "localeCompare" in html and "<script src" not in html

    # Docs that explain the standard come with the next real update, never alone:
    # one sentence must not make 200 repositories behind.
    at_readme_release = fleet("report", *built.entries[1:4], "--release", "v1.0.1")
    assert at_readme_release.returncode == 0, at_readme_release.stderr
    statuses = [row[3] for row in rows(at_readme_release.stdout).values()]
    assert statuses == ["current"] * 3
    assert "3 repositories: 3 current, 0 behind" in at_readme_release.stdout


FAKE_GH = """#!{python}
# gh as the fleet calls it, answering from {answers}: clones come from local
# repositories, and every pull request created is logged.
import json, subprocess, sys
answers = json.load(open({answers!r}))
args = sys.argv[1:]
if args[:2] == ["repo", "clone"]:
    source = answers["repos"].get(args[2])
    if source is None:
        sys.exit("GraphQL: Could not resolve to a Repository with the name " + args[2])
    sys.exit(subprocess.call(["git", "clone", source, args[3], *args[5:]]))
if args[0] == "api":
    answer = answers["api"].get(args[1])
    if answer is None:
        sys.exit("gh: Branch not protected (HTTP 404)")
    print(json.dumps(answer))
elif args[:2] == ["run", "list"]:
    print(json.dumps(answers["runs"][args[args.index("-R") + 1]]))
elif args[:2] == ["pr", "list"]:  # the open pull requests: those created, as #1
    repo, head = args[args.index("-R") + 1], args[args.index("--head") + 1]
    try:
        created = [json.loads(line) for line in open({answers!r} + ".prs")]
    except FileNotFoundError:
        created = []
    mine = [c for c in created if c[c.index("-R") + 1] == repo and head in c]
    url = "https://github.com/" + repo + "/pull/1"
    print(json.dumps([{{"number": 1, "url": url}}][: len(mine)]))
elif args[:2] == ["pr", "create"]:
    with open({answers!r} + ".prs", "a") as log:
        log.write(json.dumps(args) + "\\n")
    print("https://github.com/" + args[args.index("-R") + 1] + "/pull/1")
"""


def fake_gh(tmp_path: Path, answers: dict[str, object]) -> dict[str, str]:
    """An environment whose `gh` is FAKE_GH with these answers."""
    answers_file = tmp_path / "gh-answers.json"
    answers_file.write_text(json.dumps(answers), encoding="utf-8")
    folder = tmp_path / "bin"
    folder.mkdir()
    gh = folder / "gh"
    gh.write_text(FAKE_GH.format(python=sys.executable, answers=str(answers_file)))
    gh.chmod(0o755)
    environment = {**project_environment(), "PYTHONPATH": str(TEMPLATE)}
    environment["PATH"] = f"{folder}:{environment['PATH']}"
    return environment


def logged_clones(folder: Path) -> Callable[[], list[str]]:
    """A `git` first on PATH (in `folder`) that logs the source of every clone, then
    runs git; the returned function reads the log."""
    log = folder / "clones.log"
    wrapper = folder / "git"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'case " $* " in *" clone "*) echo "$*" >> "{log}";; esac\n'
        f'exec {shutil.which("git")} "$@"\n'
    )
    wrapper.chmod(0o755)

    def sources() -> list[str]:
        lines = log.read_text().splitlines() if log.exists() else []
        return [word for line in lines for word in line.split() if "://" in word]

    return sources


def test_report_and_update_reach_github_through_gh(tmp_path: Path) -> None:
    """owner/name goes through gh: a ruleset or classic protection requiring ci-ok,
    none, the newest CI run's conclusion, a repository gh cannot resolve, and the pull
    request `update` opens. The repository's record names the template as
    cookiecutter's abbreviation `gh:lab/...`, which git alone cannot clone (it reads
    host "gh"): report expands it, and update writes the URL into the record."""
    template = template_clone(tmp_path)
    release(template, "1.0.0", "First.")
    baked = bake_at(template, "v1.0.0", tmp_path / "one")
    record_file = baked / ".cruft.json"
    record = json.loads(record_file.read_text(encoding="utf-8"))
    record["template"] = "gh:lab/cookiecutter-research-ci"
    record_file.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    commit(baked, "linked by the abbreviation")
    edit(template / SLUG / ".flake8", "max-line-length = 88", "max-line-length = 90")
    commit(template, "standard B")
    release(template, "1.1.0", "flake8 allows 90 columns.")
    ruleset = {
        "type": "required_status_checks",
        "parameters": {"required_status_checks": [{"context": "ci-ok"}]},
    }
    classic = {"required_status_checks": {"checks": [{"context": "lint"}]}}
    template_api = "repos/example-org/cookiecutter-research-ci"  # ci.yml calls it
    answers = {
        "repos": {"lab/alpha": str(baked), "lab/beta": str(baked)},
        "api": {
            "repos/lab/alpha": {"visibility": "public", "owner": {"login": "lab"}},
            "repos/lab/beta": {"visibility": "private", "owner": {"login": "lab"}},
            template_api: {"visibility": "internal", "owner": {"login": "example-org"}},
            f"{template_api}/actions/permissions/access": {
                "access_level": "enterprise"
            },
            "repos/lab/alpha/rules/branches/main": [ruleset],
            "repos/lab/beta/rules/branches/main": [],
            "repos/lab/beta/branches/main/protection": classic,
        },
        "runs": {
            "lab/alpha": [{"status": "completed", "conclusion": "success"}],
            "lab/beta": [],
        },
    }
    environment = fake_gh(tmp_path, answers)
    clones = logged_clones(tmp_path / "bin")
    # github.com's template is the local clone here (git's url.<base>.insteadOf).
    environment |= {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"url.{template}.insteadOf",
        "GIT_CONFIG_VALUE_0": "https://github.com/lab/cookiecutter-research-ci.git",
    }

    def fleet_gh(*arguments: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "fleet", *arguments]
        return subprocess.run(
            command, capture_output=True, text=True, env=environment, check=False
        )

    reported = fleet_gh("report", "lab/alpha", "lab/beta", "lab/gamma")
    assert reported.returncode == 0, reported.stderr
    url = "https://github.com/lab/cookiecutter-research-ci.git"
    assert clones().count(url) == 1, "one clone of the template for the whole run"
    lines = {line.split()[0]: line for line in reported.stdout.splitlines()[2:5]}
    # CI's reach: a public repository cannot call an internal template's workflows;
    # a private one in its enterprise can, once the template's access allows it
    # (GitHub docs, "Reusing workflows": access to reusable workflows).
    assert re.search(
        r"behind +\.flake8 \(changed\) +yes +qlty +success +no: a public repository "
        r"cannot call an? internal template's workflows \(make the template public, "
        r"or this repository private\)$",
        lines["lab/alpha"],
    )
    assert re.search(
        r" +no +qlty +no run +yes \(internal: installs need TEMPLATE_READ_TOKEN\)$",
        lines["lab/beta"],
    )
    assert "1 whose CI cannot reach the template" in reported.stdout
    assert (
        "cannot reach: cannot clone: GraphQL: Could not resolve" in lines["lab/gamma"]
    )

    nobody = fleet_gh("update", "lab/alpha", "--author", "nobody")
    assert nobody.returncode == 2 and nobody.stdout == ""
    assert nobody.stderr == "error: --author 'nobody' is not 'Name <email@host>'\n"
    author = "Platform Team <platform@lab.example>"
    out = str(tmp_path / "prs")
    before = len(clones())
    updated = fleet_gh("update", "lab/alpha", "--out", out, "--author", author)
    assert updated.returncode == 0, updated.stdout + updated.stderr
    # Verdict, plan, cruft and changelog all read that one clone.
    assert clones()[before:].count(url) == 1
    assert "https://github.com/lab/alpha/pull/1" in updated.stdout
    made_by = "%an <%ae>|%cn <%ce>"
    logged = run(baked, "git", "log", "-1", f"--format={made_by}", "standard/v1.1.0")
    assert logged.stdout.strip() == f"{author}|{author}"
    (created,) = (tmp_path / "gh-answers.json.prs").read_text().splitlines()
    arguments = json.loads(created)
    assert arguments[arguments.index("--head") + 1] == "standard/v1.1.0"
    assert arguments[arguments.index("--base") + 1] == "main"
    body = Path(arguments[arguments.index("--body-file") + 1]).read_text()
    assert "- `.flake8` (changed)" in body and "flake8 allows 90 columns." in body
    assert "named the template `gh:lab/cookiecutter-research-ci`" in body
    shown = run(baked, "git", "show", "standard/v1.1.0:.cruft.json").stdout
    assert json.loads(shown)["template"] == url

    # Rerun while the pull request is open: left as it is, and the report says so.
    again = fleet_gh("update", "lab/alpha", "--out", str(tmp_path / "prs"))
    assert again.returncode == 0, again.stdout + again.stderr
    assert re.search(r"lab/alpha +pending .* update PR open \(#1\)", again.stdout)
    reported = fleet_gh("report", "lab/alpha")
    assert "behind, update PR open (#1)" in reported.stdout, reported.stdout
    # Closed without merging: its branch is stale, and the next update replaces it.
    run(baked, "git", "branch", "-f", "standard/v1.1.0", "main")
    (tmp_path / "gh-answers.json.prs").unlink()
    refreshed = fleet_gh("update", "lab/alpha", "--out", str(tmp_path / "prs"))
    assert refreshed.returncode == 0, refreshed.stdout + refreshed.stderr
    assert "https://github.com/lab/alpha/pull/1" in refreshed.stdout
    shown = run(baked, "git", "show", "standard/v1.1.0:.flake8").stdout
    assert "max-line-length = 90" in shown


@pytest.mark.slow
def test_update_brings_the_behind_to_the_release_and_leaves_a_conflict_untouched(
    tmp_path: Path,
) -> None:
    built = build_fleet(tmp_path)
    before = {
        path: run(path, "git", "rev-parse", "HEAD").stdout
        for path in [*built.behind, built.conflicting]
    }
    dry = fleet("update", *built.entries, "--dry-run", "--out", str(tmp_path / "prs"))
    assert dry.stdout.count("would update") == 2, dry.stdout
    would_fail = rows(dry.stdout)[str(built.conflicting)]
    assert would_fail[1:] == [
        "would fail",
        "v1.0.0",
        "v1.1.0",
        "conflict with local edits in .flake8",
    ]
    assert dry.returncode == 1
    assert not (tmp_path / "prs").exists()
    for path, head in before.items():
        assert run(path, "git", "branch", "--list", "standard/*").stdout == ""
        assert run(path, "git", "rev-parse", "HEAD").stdout == head

    updated = fleet("update", *built.entries, "--out", str(tmp_path / "prs"))
    assert updated.returncode == 1, updated.stdout + updated.stderr
    lines = rows(updated.stdout)
    assert lines[str(built.current)][1] == "current"
    assert lines[str(built.unreachable)][1] == "error"
    failed = lines[str(built.conflicting)]
    assert failed[1] == "failed" and failed[4] == "conflict with local edits in .flake8"
    assert run(built.conflicting, "git", "branch", "--list", "standard/*").stdout == ""
    assert run(built.conflicting, "git", "status", "--porcelain").stdout == ""
    assert run(built.conflicting, "git", "rev-parse", "HEAD").stdout == (
        before[built.conflicting]
    )
    # A rerun leaves the proposed updates as they are: no failure.
    rerun = fleet("update", *built.entries[:3], "--out", str(tmp_path / "prs"))
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    for path in built.behind:
        assert rows(rerun.stdout)[str(path)][1] == "pending", rerun.stdout
        assert "update PR open (branch standard/v1.1.0)" in rerun.stdout
    v110 = run(built.template, "git", "rev-list", "-n1", "v1.1.0").stdout.strip()
    for path in built.behind:
        assert lines[str(path)][1:4] == ["updated", "v1.0.0", "v1.1.0"], updated.stdout
        assert run(path, "git", "switch", "-q", "standard/v1.1.0").returncode == 0
        record = json.loads((path / ".cruft.json").read_text(encoding="utf-8"))
        assert record["commit"] == v110 and record["checkout"] == "v1.1.0"
        assert "max-line-length = 90" in (path / ".flake8").read_text("utf-8")
        ci = (path / ".github" / "workflows" / "ci.yml").read_text("utf-8")
        assert "# v1.1.0" in ci
        body = tmp_path / "prs" / (str(path).strip("/").replace("/", "_") + ".md")
        text = body.read_text(encoding="utf-8")
        assert "from v1.0.0 to v1.1.0" in text and "`.flake8`" in text
        assert "flake8 allows 90 columns." in text and "First." not in text
    first, second = built.behind
    assert DOCS_AFTER in (first / "docs" / "standard.md").read_text(encoding="utf-8")
    assert "n_estimators = 150" in (first / "configs" / "pipeline.toml").read_text()
    # The release's tool pin and Dependabot's project dependency, in one pyproject,
    # without a conflict; the lock follows both.
    pyproject = (first / "pyproject.toml").read_text(encoding="utf-8")
    assert '"pandas>=3.1.1",' in pyproject and '"pytest-cov==7.0.0",' in pyproject
    lock = (first / "uv.lock").read_text(encoding="utf-8")
    assert 'name = "pytest-cov"\nversion = "7.0.0"' in lock
    assert "hello:" in (first / "Makefile").read_text(encoding="utf-8")
    evaluator = second / "src" / "sea_ice" / "evaluator.py"
    assert "Held out" in evaluator.read_text(encoding="utf-8")
    # The second, with an edit to its code and other answers, is the one whose check
    # can break; the first's own edits (a config value, a Makefile target) are
    # asserted kept above.
    assert_make_passes(second, "check")


def test_release_refuses_unreleased_entries_names_the_placeholder_and_pushes(
    tmp_path: Path,
) -> None:
    """Release hygiene: "Unreleased" entries must move under the release first (an
    update pull request would carry them as still to come); the tag reaches bakes and
    repositories only once pushed; and generated ci.yml must not call the placeholder's
    workflows, nor another repository's than the template's own."""
    template = template_clone(tmp_path)
    origin = tmp_path / "origin.git"
    run(tmp_path, "git", "clone", "-q", "--bare", str(template), str(origin))
    run(template, "git", "remote", "add", "origin", str(origin))

    refused = fleet("release", "1.0.0", "--template", str(template))
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr == (
        "error: CHANGELOG.md's 'Unreleased' section still holds entries: move them "
        "under this release's heading (or drop them) before releasing\n"
    )
    assert run(template, "git", "tag").stdout == ""

    released = release(template, "1.0.0", "First.")
    assert "not pushed: no bake or repository sees v1.0.0 until " in released
    assert "'git push origin HEAD v1.0.0'" in released
    assert run(origin, "git", "tag").stdout == ""
    edit(template / "README.md", "# cookiecutter-research-ci", "# Research CI")
    commit(template, "README only")
    edit(
        template / "CHANGELOG.md", "\n## v1.0.0", "\n## v1.0.1\n\nREADME.\n\n## v1.0.0"
    )
    commit(template, "changelog 1.0.1")
    pushed = fleet("release", "1.0.1", "--template", str(template), "--push")
    assert pushed.returncode == 0, pushed.stderr
    assert "pushed v1.0.1 and the branch to origin" in pushed.stdout
    assert pushed.stderr.startswith(
        "warning: cookiecutter.json's _standard_repository is the placeholder "
        "example-org/cookiecutter-research-ci: generated ci.yml calls the workflows"
    )
    assert run(origin, "git", "tag").stdout == "v1.0.1\n"
    head = run(template, "git", "rev-parse", "HEAD").stdout
    branch = run(template, "git", "symbolic-ref", "--short", "HEAD").stdout.strip()
    assert run(origin, "git", "rev-parse", branch).stdout == head

    url = "https://github.com/lab/cookiecutter-research-ci.git"
    run(template, "git", "remote", "set-url", "origin", url)
    edit(template / "CHANGELOG.md", "\n## v1.0.1", "\n## v1.0.2\n\nAgain.\n\n## v1.0.1")
    commit(template, "changelog 1.0.2")
    other = fleet("release", "1.0.2", "--template", str(template))
    assert other.returncode == 2
    assert other.stderr == (
        "error: cookiecutter.json's _standard_repository is "
        "example-org/cookiecutter-research-ci, but this template is "
        "lab/cookiecutter-research-ci (origin): generated ci.yml would call the "
        "workflows of example-org/cookiecutter-research-ci; set it to "
        "lab/cookiecutter-research-ci\n"
    )
