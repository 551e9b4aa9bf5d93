"""Failures a user can fix, so the CLI prints them as a line, not a traceback."""

from collections.abc import Sequence


class ProjectError(Exception):
    """A problem with input, config or data; the message says what to change."""


class ConfigError(ProjectError):
    """The config file is missing, unreadable or holds a value that is not allowed."""


class DataError(ProjectError):
    """A data file cannot be read, or its rows break the schema."""


class AnomaliesFound(DataError):
    """Readable data that breaks the schema or drifted: the run stops, exit code 1."""

    @classmethod
    def listing(
        cls, where: str, problems: Sequence[str], consequence: str
    ) -> "AnomaliesFound":
        """One line to say what stopped, then one line per problem."""
        noun = "anomaly" if len(problems) == 1 else "anomalies"
        lines = "\n".join(problems)
        return cls(f"{where}: {len(problems)} {noun}, {consequence}:\n{lines}")


class SearchInterrupted(KeyboardInterrupt):
    """Ctrl-C during a search: the message says what was kept and how to resume."""
