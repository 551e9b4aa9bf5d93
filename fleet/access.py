"""Whether a repository's CI can call the template's reusable workflows at all.

GitHub decides it from the two repositories' visibility and the template's Actions
access setting (GitHub docs: "Reusing workflows", access to reusable workflows; and
"Managing GitHub Actions settings for a repository", allowing access to components in
a private or internal repository). A repository that cannot reach them shows only a
red CI run, whose log says little; the report says why instead.
"""

import re
from pathlib import Path

from fleet.sources import gh_api

CALLED = re.compile(r"uses: *([\w.-]+/[\w.-]+)/\.github/workflows/research-ci\.yml@")


def called_template(checkout: Path) -> str | None:
    """owner/name of the template whose workflows ci.yml calls, as CI will."""
    ci = checkout / ".github" / "workflows" / "ci.yml"
    matched = CALLED.search(ci.read_text(encoding="utf-8")) if ci.is_file() else None
    return matched.group(1) if matched else None


def verdict(
    caller: dict[str, str], template: dict[str, str], access: str | None
) -> str:
    """ "yes", or "no: why and what to change". `caller` and `template` hold each
    repository's `visibility` and `owner`; `access` is the template's Actions access
    level (none, user, organization, enterprise), read only when it is not public."""
    if template["visibility"] == "public":
        return "yes"
    kind = template["visibility"]
    if caller["visibility"] == "public":
        article = "an" if kind[:1] in "aeiou" else "a"
        return (
            f"no: a public repository cannot call {article} {kind} template's "
            "workflows "
            "(make the template public, or this repository private)"
        )
    if access in (None, "none"):
        return (
            f"no: the {kind} template's Actions access is 'none' (template Settings > "
            "Actions > General > Access: open it to the organization)"
        )
    if access in ("user", "organization") and caller["owner"] != template["owner"]:
        return f"no: the {kind} template is open to {template['owner']} only"
    return f"yes ({kind}: installs need TEMPLATE_READ_TOKEN)"


def facts(entry: str) -> dict[str, str] | str:
    """visibility and owner, or gh's one-line error."""
    answer = gh_api(f"repos/{entry}")
    if not isinstance(answer, dict):
        return str(answer)
    owner = answer.get("owner") or {}
    return {
        "visibility": str(answer.get("visibility", "")),
        "owner": str(owner.get("login", entry.split("/")[0])),
    }


def reaches_template(entry: str, checkout: Path) -> str:
    """The report's answer for one repository on GitHub."""
    template = called_template(checkout)
    if template is None:
        return "unknown: ci.yml calls no research-ci.yml"
    caller, called = facts(entry), facts(template)
    if isinstance(caller, str) or isinstance(called, str):
        return f"unknown: {caller if isinstance(caller, str) else called}"
    access = None
    if called["visibility"] != "public":
        answer = gh_api(f"repos/{template}/actions/permissions/access")
        if not isinstance(answer, dict):
            return f"unknown: {answer}"
        access = str(answer.get("access_level", ""))
    return verdict(caller, called, access)
