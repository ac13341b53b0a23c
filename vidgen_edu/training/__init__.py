"""The training loop: one loop for GANs and the VAE, EMA generator, atomic checkpoints, resume.

>>> from vidgen_edu.training import TrainConfig
>>> TrainConfig(steps=10).loss
'hinge'
"""

from .checkpoint import PRETRAINED, export_generator, load_checkpoint, load_generator
from .config import TrainConfig
from .loop import TrainingDiverged
from .run import RunFolderError, train

__all__ = [
    "PRETRAINED",
    "RunFolderError",
    "TrainConfig",
    "TrainingDiverged",
    "export_generator",
    "load_checkpoint",
    "load_generator",
    "train",
]
