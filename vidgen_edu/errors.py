"""The library's one error hierarchy: what a user did wrong, said so that they can fix it.

Every problem with a user's input (a missing or corrupt video, an unknown model or dataset, a
configuration value out of range, a checkpoint that cannot be resumed, a run folder in use) ends in
a subclass of ``VidgenError`` whose message says what was received, what was expected and what to
do, in words that make sense in a notebook as well as on the command line. The command line turns
a ``VidgenError`` into one line and its ``exit_status`` (2, bad input; 1 for a run that failed for a
reason the message explains, such as a diverged training); any other exception is a bug in
vidgen_edu, reported as an internal error.

The classes also derive from the built-in exception a Python user would expect (``ValueError``,
``FileNotFoundError``...), so ``except ValueError`` in a learner's notebook keeps working.

>>> issubclass(ConfigError, ValueError) and ConfigError.exit_status
2
"""

from __future__ import annotations


class VidgenError(Exception):
    """Base of every error that is the user's to fix; ``exit_status`` is what the CLI returns."""

    exit_status = 2


class ConfigError(VidgenError, ValueError):
    """A configuration (model, training, data, run) with unknown keys or values out of range."""


class VideoError(VidgenError, ValueError):
    """A video file or array that cannot be used (missing, empty, truncated, wrong shape...)."""


class AssetError(VidgenError, RuntimeError):
    """A shipped or given weight file that is missing, corrupt or does not match its manifest."""


class CheckpointError(VidgenError, ValueError):
    """A checkpoint that is missing, unreadable, or whose contents are not what vidgen_edu wrote."""


class RunFolderError(VidgenError, ValueError):
    """A run or output folder that cannot be used as asked (in use, holds sources, holds a run)."""


class UsageError(VidgenError, ValueError):
    """A command-line option or a function argument that does not make sense."""


class TrainingDiverged(VidgenError, RuntimeError):
    """A loss or a weight became NaN or infinite; the last good checkpoint is kept."""

    exit_status = 1
