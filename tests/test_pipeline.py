"""The five-stage pipeline: contracts at each stage, composition, and errors."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from vidgen_edu.errors import UsageError
from vidgen_edu.pipeline import (
    Features,
    FrameFeatures,
    Generate,
    Input,
    Pipeline,
    Postprocess,
    Preprocess,
    dynamic_texture_sampler,
)
from vidgen_edu.video.errors import VideoError
from vidgen_edu.video.tensors import frames_to_tensor


def _clips(n=3, t=8, h=10, w=12, c=1, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, t, h, w, c), dtype=np.uint8)


def _five(source, **generate):
    return Pipeline(
        [
            Input(source),
            Preprocess(),
            Features(k=5),
            Generate(dynamic_texture_sampler(**generate)),
            Postprocess(),
        ]
    )


def test_each_stage_keeps_its_contract():
    run = _five(_clips(), n=4, frames=6, seed=1).run()
    assert list(run.outputs) == ["input", "preprocess", "features", "generate", "postprocess"]
    assert run["input"].dtype == np.uint8 and run["input"].shape == (3, 8, 10, 12, 1)
    x = run["preprocess"]
    assert x.dtype == torch.float32 and x.shape == (3, 1, 8, 10, 12)
    assert -1 <= x.min() and x.max() <= 1
    assert isinstance(run["features"], FrameFeatures) and run["features"].states.shape == (3, 8, 5)
    g = run["generate"]
    assert g.shape == (4, 1, 6, 10, 12) and -1 <= g.min() and g.max() <= 1
    assert run.output is run["postprocess"]
    assert run.output.dtype == np.uint8 and run.output.shape == (4, 6, 10, 12, 1)


def test_same_seed_same_output_and_another_seed_another():
    first = _five(_clips(), seed=1).run().output
    assert np.array_equal(first, _five(_clips(), seed=1).run().output)
    assert not np.array_equal(first, _five(_clips(), seed=2).run().output)


def test_input_accepts_arrays_functions_single_clips_and_datasets():
    clips = _clips()
    assert Input(clips[0])().shape == (1, 8, 10, 12, 1)
    assert np.array_equal(Input(lambda: clips)(), clips)
    dataset = SimpleNamespace(
        sample=lambda n, seed: SimpleNamespace(video=frames_to_tensor(clips[:n]))
    )
    assert np.array_equal(Input(dataset, n=2)(), clips[:2])
    assert np.array_equal(Pipeline([Input(None)]).run(clips).output, clips)  # run(source) overrides


def test_preprocess_and_postprocess_apply_their_ops_per_clip_in_order():
    clips = _clips()
    crop = lambda clip: clip[:, 2:6, 3:9]  # noqa: E731  (T, H, W, C) -> (T, 4, 6, C)
    invert = lambda clip: 255 - clip  # noqa: E731
    x = Preprocess([crop, invert])(clips)
    assert x.shape == (3, 1, 8, 4, 6)
    assert torch.equal(x, frames_to_tensor(255 - clips[:, :, 2:6, 3:9]))
    out = Postprocess([invert])(x)
    assert np.array_equal(out, clips[:, :, 2:6, 3:9])


def test_features_with_every_component_reconstruct_the_input():
    clips = _clips(n=2, t=5)
    x = Preprocess()(clips)
    features = Features(k=9)(x)  # 10 frames, centred: rank 9
    assert torch.allclose(features.reconstruct(), x, atol=1e-5)
    assert not torch.allclose(Features(k=2)(x).reconstruct(), x, atol=1e-2)


def test_a_learned_generator_replaces_generate_without_touching_the_rest():
    def constant(features):
        b, t, _ = features.states.shape
        return torch.zeros(b, 1, t, 10, 12)  # (B, C, T, H, W): mid-grey

    out = Pipeline(
        [Input(_clips()), Preprocess(), Features(k=3), Generate(constant), Postprocess()]
    ).run()
    assert np.all(out.output == 128)


def test_bad_input_gives_one_clear_error():
    with pytest.raises(VideoError, match="expected uint8 frames"):
        Preprocess()(np.zeros((2, 4, 8, 8, 1), np.float32))
    with pytest.raises(VideoError, match="must return a"):
        Generate(lambda f: np.zeros((1, 1, 2, 4, 4)))(Features(k=2)(Preprocess()(_clips())))
    with pytest.raises(UsageError, match="distinct names.*name='denoise'"):
        Pipeline([Features(), Features()])
    with pytest.raises(UsageError, match="distinct names, got none"):
        Pipeline([])
    with pytest.raises(UsageError, match="states \\(B, T, k\\) with k=2"):
        Features(k=2)(Preprocess()(_clips())).pca.decode(torch.zeros(1, 3, 5))
