"""The seed's five-stage pipeline (input, preprocessing, features, generation, postprocessing)
with a classical generator, the dynamic texture of Doretto et al. (IJCV 2003).

>>> from vidgen_edu.pipeline import Pipeline, Input, Preprocess, Features, Generate, Postprocess
"""

from .dynamic_texture import (
    DynamicTexture,
    FramePCA,
    fit_dynamics,
    spectral_radius,
    stationary_covariance,
)
from .stages import (
    Features,
    FrameFeatures,
    Generate,
    Input,
    Pipeline,
    PipelineRun,
    Postprocess,
    Preprocess,
    dynamic_texture_sampler,
)

__all__ = [
    "DynamicTexture",
    "Features",
    "FramePCA",
    "FrameFeatures",
    "Generate",
    "Input",
    "Pipeline",
    "PipelineRun",
    "Postprocess",
    "Preprocess",
    "dynamic_texture_sampler",
    "fit_dynamics",
    "spectral_radius",
    "stationary_covariance",
]
