"""Exceptions raised by the library.

Every error a user can cause (bad input file, bad config value) is a subclass of
``RouterBenchError``; its message names the file, column or config key and what was
expected. Scripts let these propagate; ``store.rule_logging`` turns them into one line.
"""


class RouterBenchError(Exception):
    """Base class of every user-facing error of RouterBench+."""


class InputError(RouterBenchError, ValueError):
    """An input file is malformed: missing column, wrong values, unreadable."""


class ConfigError(RouterBenchError, ValueError):
    """A config value is wrong: out of range, wrong type, names something unknown."""
