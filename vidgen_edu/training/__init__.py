"""The training loop: one loop for every model family, EMA generator, atomic checkpoints, resume.

>>> from vidgen_edu.training import RunConfig
>>> run = RunConfig.from_preset("smoke", {"model.name": "vae", "train.steps": 50})
>>> run.model.name, run.model.size, run.train.ema_decay
('vae', 16, 0.8)
"""

from vidgen_edu.errors import RunFolderError, TrainingDiverged

from .checkpoint import PRETRAINED, export_generator, load_checkpoint, load_generator
from .config import TrainConfig
from .presets import PRESETS
from .run import TrainingInterrupted, train
from .runconfig import RunConfig

__all__ = [
    "PRESETS",
    "PRETRAINED",
    "RunConfig",
    "RunFolderError",
    "TrainConfig",
    "TrainingDiverged",
    "TrainingInterrupted",
    "export_generator",
    "load_checkpoint",
    "load_generator",
    "train",
]
