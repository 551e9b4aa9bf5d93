"""The platform team's tools for the standard at org scale.

`python -m fleet release` tags a release of the template; `report` says where each
repository stands against the newest release; `update` opens the pull requests that
bring the ones behind onto it. Repositories are local clones or `owner/name` on GitHub,
reached through the `gh` CLI.
"""
