"""The generation studio: ipywidgets over the shipped models, answering as fast as a slider moves.

``GenerationStudio(checkpoint="pretrained")`` is the studio (``.ui``, ``.controls``,
``.current_video``); :mod:`.latent` holds what its controls do to the latent codes (seed,
truncation, slerp, GANSpace directions), :mod:`.flow_space` the same for a model with an ODE
sampler (``"pretrained-flow"``: seed, class, sampling steps, guidance), :mod:`.prompt` the
English/Chinese prompt parser and :mod:`.player` post-processing, the looping player and export.
Notebook 07 teaches with it.

>>> parse_prompt("a 7 going up")
Prompt(digits=(7,), direction='up')
"""

from .flow_space import FlowSpace
from .latent import Direction, GanLatentSpace, Settings, slerp
from .prompt import Prompt, parse_prompt
from .studio import GenerationStudio

__all__ = [
    "Direction",
    "FlowSpace",
    "GanLatentSpace",
    "GenerationStudio",
    "Prompt",
    "Settings",
    "parse_prompt",
    "slerp",
]
