"""Failures a user can fix, so the CLI prints them as a line, not a traceback."""


class ProjectError(Exception):
    """A problem with input, config or data; the message says what to change."""


class ConfigError(ProjectError):
    """The config file is missing, unreadable or holds a value that is not allowed."""


class DataError(ProjectError):
    """A data file cannot be read, or its rows break the schema."""


class AnomaliesFound(DataError):
    """Readable data that breaks the schema or drifted: the run stops, exit code 1."""
