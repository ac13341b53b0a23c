"""Tests of the synthetic datasets (Moving Digits, Bouncing Shapes), trajectories and registry."""

from __future__ import annotations

import doctest

import pytest
import torch

import vidgen_edu.data as data
from vidgen_edu.data import (
    BouncingShapes,
    Clips,
    MovingDigits,
    bounce,
    digits,
    make_dataset,
    registry,
    shapes,
    sprites,
)
from vidgen_edu.data.bounce import random_velocities, reflect
from vidgen_edu.data.digits import digit_templates
from vidgen_edu.data.shapes import shape_masks
from vidgen_edu.errors import ConfigError, UsageError, VideoError, VidgenError

DEVICES = ["cpu", torch.device("cpu")] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.mark.parametrize("module", [bounce, digits, shapes, sprites, registry])
def test_docstring_examples_run(module):
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0


@pytest.mark.parametrize(
    "kw",
    [
        dict(size=64, frames=16, digits=2),
        dict(size=32, frames=5, digits=1),
        dict(size=40, frames=3, digits=3, digit_size=10),
    ],
)
def test_moving_digits_shapes_and_range(kw):
    ds = MovingDigits(**kw)
    clips = ds.sample(6, seed=1)
    t, s, k = kw["frames"], kw["size"], kw["digits"]
    assert isinstance(clips, Clips) and len(clips) == 6
    assert clips.video.shape == (6, 1, t, s, s) and clips.video.dtype == torch.float32
    assert clips.video.min() == -1.0 and 0.9 < clips.video.max() <= 1.0
    assert clips.labels.shape == (6,) and clips.labels.dtype == torch.int64
    assert clips.positions.shape == (6, t, k, 2)
    assert (ds.channels, ds.frames, ds.size, ds.num_classes) == (1, t, s, 10)
    assert list(ds.class_names) == [str(i) for i in range(10)]


def test_bouncing_shapes_shapes_and_range():
    ds = BouncingShapes(size=48, frames=7, shapes=3)
    clips = ds.sample(5, seed=0)
    assert clips.video.shape == (5, 3, 7, 48, 48) and clips.video.dtype == torch.float32
    assert clips.video.min() == -1.0 and clips.video.max() <= 1.0
    assert clips.positions.shape == (5, 7, 3, 2)
    assert set(clips.labels.tolist()) <= {0, 1, 2}
    assert ds.channels == 3 and ds.num_classes == 3
    assert ds.class_names == ("square", "circle", "triangle")
    # coloured: some pixel has channels that differ
    assert (clips.video.max(dim=1).values - clips.video.min(dim=1).values).max() > 0.3


@pytest.mark.parametrize("cls", [MovingDigits, BouncingShapes])
def test_same_seed_same_clips_different_seed_different(cls):
    ds = cls(size=32, frames=6)
    a, b, c = ds.sample(4, seed=7), ds.sample(4, seed=7), ds.sample(4, seed=8)
    assert torch.equal(a.video, b.video) and torch.equal(a.labels, b.labels)
    assert torch.equal(a.positions, b.positions)
    assert not torch.equal(a.video, c.video)


@pytest.mark.parametrize("cls", [MovingDigits, BouncingShapes])
def test_own_generator_advances_and_is_seeded(cls):
    one, two, other = (
        cls(size=32, frames=4, seed=3),
        cls(size=32, frames=4, seed=3),
        cls(size=32, frames=4, seed=4),
    )
    first, second = one.sample(3), one.sample(3)
    assert not torch.equal(first.video, second.video)
    assert torch.equal(first.video, two.sample(3).video)
    assert torch.equal(second.video, two.sample(3).video)
    assert not torch.equal(first.video, other.sample(3).video)
    # an explicit seed does not depend on what was sampled before
    assert torch.equal(
        one.sample(2, seed=5).video, cls(size=32, frames=4, seed=9).sample(2, seed=5).video
    )


def simulate_bounce(p: float, v: float, limit: float, steps: int) -> list[float]:
    """Step-by-step bouncing: move, then reflect position and velocity at a wall."""
    out = [p]
    for _ in range(steps):
        p += v
        while p < 0 or p > limit:
            if p < 0:
                p, v = -p, -v
            if p > limit:
                p, v = 2 * limit - p, -v
        out.append(p)
    return out


def test_reflect_matches_step_by_step_simulation():
    g = torch.Generator().manual_seed(0)
    for _ in range(50):
        limit = float(torch.randint(1, 60, (1,), generator=g))
        p = float(torch.rand(1, generator=g)) * limit
        v = (float(torch.rand(1, generator=g)) - 0.5) * 30
        t = torch.arange(40, dtype=torch.float64)
        closed = reflect(p + v * t, limit)
        expected = torch.tensor(simulate_bounce(p, v, limit, 39), dtype=torch.float64)
        torch.testing.assert_close(closed, expected, rtol=0, atol=1e-9)


def test_velocities_have_the_requested_speeds_and_all_directions():
    g = torch.Generator().manual_seed(0)
    v = random_velocities(4000, 2, speed=(2.0, 6.0), generator=g)
    speed = v.norm(dim=-1)
    assert speed.min() >= 2.0 - 1e-5 and speed.max() <= 6.0 + 1e-5
    assert speed.min() < 2.2 and speed.max() > 5.8
    assert (v[..., 0] < 0).float().mean().item() == pytest.approx(0.5, abs=0.05)
    assert (v[..., 1] < 0).float().mean().item() == pytest.approx(0.5, abs=0.05)


@pytest.mark.parametrize(
    "cls, kw",
    [
        (MovingDigits, dict(digits=1, digit_size=20)),
        (BouncingShapes, dict(shapes=1, shape_size=12)),
    ],
)
def test_objects_stay_inside_the_frame_and_move(cls, kw):
    ds = cls(size=48, frames=30, speed=(4.0, 7.0), **kw)
    clips = ds.sample(16, seed=2)
    side = kw.get("digit_size", kw.get("shape_size"))
    pos = clips.positions
    assert pos.min() >= 0 and pos.max() <= 48 - side
    assert torch.equal(pos, pos.round())
    step = (pos[:, 1:] - pos[:, :-1]).norm(dim=-1)  # (B, T-1, K)
    assert step.max() <= 7.0 + 1.5  # speed plus rounding
    assert (step > 0).float().mean() > 0.9  # objects move
    # the walls are reached: some clip touches each wall at some time
    assert (pos == 0).any() and (pos == 48 - side).any()
    # nothing is drawn outside each object's box
    video = clips.video
    for b in range(4):
        for t in range(0, 30, 7):
            y, x = pos[b, t, 0].long().tolist()
            outside = video[b, :, t].clone()
            outside[:, y : y + side, x : x + side] = -1.0
            assert outside.max() == -1.0


def test_digit_labels_are_the_class_of_the_first_digit():
    ds = MovingDigits(size=40, frames=3, digits=1, digit_size=16)
    clips = ds.sample(40, seed=3)
    images, classes = digit_templates(16)
    means = torch.stack([images[classes == c].mean(0) for c in range(10)])  # (10, d, d)
    hits = 0
    for b in range(40):
        y, x = clips.positions[b, 0, 0].long().tolist()
        crop = (clips.video[b, 0, 0, y : y + 16, x : x + 16] + 1) / 2
        # the crop is exactly one of the dataset's digits, of the labelled class
        dist = (images - crop).abs().flatten(1).amax(1)
        assert dist.min() < 1e-5 and classes[dist.argmin()] == clips.labels[b]
        # and it correlates best with its own class's mean template (most of the time)
        corr = torch.nn.functional.cosine_similarity(means.flatten(1), crop.flatten()[None])
        hits += int(corr.argmax() == clips.labels[b])
    assert hits >= 32


def test_first_digit_label_with_two_digits():
    clips = MovingDigits(size=64, frames=2, digits=2).sample(30, seed=4)
    images, classes = digit_templates(28)
    for b in range(30):
        y, x = clips.positions[b, 0, 0].long().tolist()
        crop = (clips.video[b, 0, 0, y : y + 28, x : x + 28] + 1) / 2
        # max-combined: the crop is >= the first digit, equal where the second is absent
        candidates = (images <= crop + 1e-6).flatten(1).all(1) & (classes == clips.labels[b])
        assert candidates.any()


def test_shape_labels_match_the_drawn_shape():
    ds = BouncingShapes(size=40, frames=2, shapes=1, shape_size=14)
    clips = ds.sample(30, seed=5)
    masks = shape_masks(14) > 0.5  # (3, s, s)
    for b in range(30):
        y, x = clips.positions[b, 0, 0].long().tolist()
        crop = clips.video[b, :, 0, y : y + 14, x : x + 14]  # (C, s, s)
        drawn = (crop + 1).amax(0) > 0.5 * (crop + 1).amax()
        iou = (drawn & masks).flatten(1).sum(1) / (drawn | masks).flatten(1).sum(1)
        assert iou.argmax() == clips.labels[b] and iou.max() > 0.8


def test_sum_combine_is_at_least_max_combine():
    a = MovingDigits(size=32, frames=8, digits=3, combine="max").sample(8, seed=1)
    b = MovingDigits(size=32, frames=8, digits=3, combine="sum").sample(8, seed=1)
    assert torch.equal(a.positions, b.positions) and torch.equal(a.labels, b.labels)
    assert (b.video >= a.video - 1e-6).all() and (b.video > a.video + 0.05).any()
    assert b.video.max() <= 1.0 and b.video.min() == -1.0


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("cls", [MovingDigits, BouncingShapes])
def test_device_argument(cls, device):
    clips = cls(size=32, frames=4).sample(3, seed=0, device=device)
    want = torch.device(device).type
    assert clips.video.device.type == want and clips.labels.device.type == want
    assert clips.positions.device.type == want
    cpu = cls(size=32, frames=4).sample(3, seed=0)
    assert torch.allclose(clips.video.cpu(), cpu.video, atol=1e-6)
    moved = cpu.to(device)
    assert moved.video.device.type == want and len(moved) == 3


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: MovingDigits(size=20, digit_size=28), ConfigError, "digit_size"),
        (lambda: MovingDigits(speed=(6.0, 2.0)), ConfigError, "speed"),
        (lambda: MovingDigits(speed="fast"), ConfigError, "speed"),
        (lambda: MovingDigits(frames=0), ConfigError, "frames"),
        (lambda: MovingDigits(size=32.0), ConfigError, "size must be an int"),
        (lambda: MovingDigits(combine="mean"), ConfigError, "combine"),
        (lambda: MovingDigits(seed="a"), ConfigError, "seed must be an int"),
        (lambda: BouncingShapes(size=16, shape_size=20), ConfigError, "shape_size"),
        (lambda: BouncingShapes(seed=1.5), ConfigError, "seed"),
        (lambda: MovingDigits().sample(0), UsageError, "n=8"),
        (lambda: MovingDigits().sample(2, seed="a"), UsageError, "seed"),
    ],
)
def test_bad_arguments_say_what_is_wrong(make, error, match):
    with pytest.raises(error, match=match) as err:
        make()
    assert isinstance(err.value, ValueError)  # `except ValueError` in a notebook keeps working
    assert "\n" not in str(err.value) and "--" not in str(err.value)  # one line, no CLI flags


def test_make_dataset_names():
    ds = make_dataset("moving-digits", size=32, frames=8, seed=3, digits=1)
    assert isinstance(ds, MovingDigits) and (ds.size, ds.frames, ds.digits) == (32, 8, 1)
    assert torch.equal(
        ds.sample(2).video, MovingDigits(size=32, frames=8, digits=1, seed=3).sample(2).video
    )
    shapes_ds = make_dataset("bouncing-shapes", size=32, frames=4)
    assert isinstance(shapes_ds, BouncingShapes) and shapes_ds.sample(1).video.shape == (
        1,
        3,
        4,
        32,
        32,
    )
    assert make_dataset("moving-digits").size == 64
    with pytest.raises(ConfigError) as err:
        make_dataset("moving-letters")
    for name in data.NAMES:
        assert name in str(err.value)
    with pytest.raises(ConfigError, match="path"):
        make_dataset("moving-mnist:")


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: make_dataset("nope"), ConfigError, "unknown dataset 'nope'"),
        (lambda: make_dataset(None), ConfigError, "must be a string"),
        (lambda: make_dataset("clips:"), ConfigError, "clips:DIR"),
        (
            lambda: make_dataset("moving-digits", digitz=1),
            ConfigError,
            "no setting 'digitz'.*digits",
        ),
        (lambda: make_dataset("bouncing-shapes", size="big"), ConfigError, "size"),
        (
            lambda: make_dataset("moving-mnist:/no/such/file.npy"),
            VideoError,
            "no Moving MNIST file",
        ),
        (lambda: make_dataset("clips:/no/such/folder"), VideoError, "no folder"),
    ],
)
def test_make_dataset_bad_input_is_the_users_error(call, error, match):
    """Every bad name or setting is a VidgenError (the command line: exit 2, not a bug report)."""
    with pytest.raises(error, match=match) as err:
        call()
    assert isinstance(err.value, VidgenError) and err.value.exit_status == 2
    assert "\n" not in str(err.value)


def naive_paste(canvas, patches, positions, combine):
    """Loop reference: paste each object into each frame of each clip, one at a time."""
    out = canvas.clone()
    b, c, t = canvas.shape[:3]
    p = patches.shape[-1]
    for i in range(b):
        for f in range(t):
            for k in range(patches.shape[2]):
                y, x = positions[i, f, k].tolist()
                region = out[i, :, f, y : y + p, x : x + p]
                if combine == "max":
                    region.copy_(torch.maximum(region, patches[i, :, k]))
                else:
                    region.add_(patches[i, :, k])
    return out


@pytest.mark.parametrize("combine", ["max", "add"])
def test_vectorized_paste_matches_a_loop(combine):
    g = torch.Generator().manual_seed(0)
    b, c, t, h, w, k, p = 3, 2, 4, 9, 11, 3, 4
    canvas = torch.rand(b, c, t, h, w, generator=g)
    patches = torch.rand(b, c, k, p, p, generator=g)
    ys = torch.randint(0, h - p + 1, (b, t, k, 1), generator=g)
    xs = torch.randint(0, w - p + 1, (b, t, k, 1), generator=g)
    positions = torch.cat([ys, xs], dim=-1)  # (B, T, K, 2)
    expected = naive_paste(canvas, patches, positions, combine)
    got = canvas.clone()
    (sprites.paste_max if combine == "max" else sprites.paste_add)(got, patches, positions)
    torch.testing.assert_close(got, expected)
    blank = torch.zeros(b, c, t, h, w)
    sprites.paste_max(blank, patches, positions, blank=True)
    torch.testing.assert_close(
        blank, naive_paste(torch.zeros_like(blank), patches, positions, "max")
    )


def test_paste_over_composites_in_order():
    canvas = torch.full((1, 3, 2, 6, 6), -1.0)  # (B, C, T, H, W)
    alpha = torch.ones(1, 3, 3)
    at = torch.tensor([[[1, 1], [2, 3]]])  # (B, T, 2)
    sprites.paste_over(canvas, alpha, torch.tensor([[1.0, -1.0, -1.0]]), at)  # red
    sprites.paste_over(canvas, alpha * 0.5, torch.tensor([[-1.0, 1.0, -1.0]]), at)  # half green
    assert canvas[0, :, 0, 2, 2].tolist() == [0.0, 0.0, -1.0]
    assert canvas[0, :, 1, 3, 4].tolist() == [0.0, 0.0, -1.0]
    assert canvas[0, :, 0, 0, 0].tolist() == [-1.0, -1.0, -1.0]
    assert (canvas[0, :, 0] > -1).any(0).sum() == 9 and (canvas[0, :, 1] > -1).any(0).sum() == 9
