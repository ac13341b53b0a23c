"""Self-checking exercises: ``check(name, your_function)``.

>>> from vidgen_edu.exercises import check, names
>>> "conv_output_size" in names()
True
"""

from . import conv as _conv  # noqa: F401  (registers the convolution exercises)
from . import flow as _flow  # noqa: F401  (registers the flow-matching exercises of notebook 05)
from . import gan as _gan  # noqa: F401  (registers the GAN and VAE exercises)
from . import privacy as _privacy  # noqa: F401  (registers the exercises of notebook 06)
from . import studio as _studio  # noqa: F401  (registers the studio exercises of notebook 07)
from . import training as _training  # noqa: F401  (registers the exercises of notebook 04)
from . import video as _video  # noqa: F401  (registers the exercises of notebooks 00 and 01)
from .core import (
    Exercise,
    ExerciseFailed,
    check,
    exercise,
    get,
    iter_exercises,
    names,
    question,
    run_cases,
    summarize,
)

__all__ = [
    "Exercise",
    "ExerciseFailed",
    "check",
    "exercise",
    "get",
    "iter_exercises",
    "names",
    "question",
    "run_cases",
    "summarize",
]
