"""De-identification of video: blur or pixelate a region, and measure what a classifier still reads.

The seed article (sections 8.3 and 9.4) lists de-identification, "face blurring" for one, as a
privacy protection. Two obfuscations are implemented here on the library's video layout,
``float32 (B, C, T, H, W)`` in ``[-1, 1]``:

- :func:`blur`: a Gaussian blur of standard deviation ``sigma`` pixels, applied to each frame;
- :func:`pixelate`: a mosaic, each ``block x block`` square replaced by its mean (as
  on television news; McPherson et al. call it mosaicing).

Either acts on a region only: a box ``(top, left, bottom, right)`` in pixels (one for the whole
clip, or one per frame, as a face tracker gives them), or a boolean mask per frame. Pixels outside
the region are returned unchanged, bit for bit.

The warning that goes with them (McPherson, Shokri and Shmatikov 2016, "Defeating Image
Obfuscation with Deep Learning", arXiv:1609.00408): an obfuscation that looks strong to a human
can leave the identity readable to a classifier. :func:`identity_leak` measures it on the course's
own data, where the identity is the digit: it blurs or pixelates whole Moving Digits clips at
several strengths and reports the accuracy of the course's shipped digit classifier
(:func:`vidgen_edu.metrics.classify`, the network behind "class accuracy") on them. Accuracy far
above chance (1 in 10) means the obfuscation did not remove the identity, whatever it looks like.
That classifier never saw an obfuscated digit; McPherson et al.'s attacker trains on obfuscated
images (the method is public, so anyone can obfuscate data of their own), and
:func:`adapt_classifier` does the same by fine-tuning a copy of it: what it reads is the measure
of what the obfuscation leaves.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from vidgen_edu.errors import UsageError, VideoError

METHODS = ("blur", "pixelate")


# --- the region ------------------------------------------------------------------------------


def box_mask(boxes, *, frames: int, height: int, width: int) -> torch.Tensor:
    """Boolean mask ``(T, H, W)`` that is True inside ``boxes``.

    ``boxes``: one box ``(top, left, bottom, right)`` for every frame, or a ``(T, 4)`` sequence of
    boxes, one per frame; pixel indices, bottom and right excluded (Python slice convention). A
    box is clipped to the frame; an empty box masks nothing.

    >>> box_mask((1, 1, 3, 4), frames=1, height=4, width=5).int()[0]
    tensor([[0, 0, 0, 0, 0],
            [0, 1, 1, 1, 0],
            [0, 1, 1, 1, 0],
            [0, 0, 0, 0, 0]], dtype=torch.int32)
    """
    b = torch.as_tensor(boxes, dtype=torch.int64)
    if b.dim() == 1:
        b = b[None].expand(frames, -1)  # (T, 4)
    if b.shape != (frames, 4):
        raise UsageError(
            f"expected a box (top, left, bottom, right) or one per frame ({frames}, 4), "
            f"got shape {tuple(b.shape)}"
        )
    rows = torch.arange(height).view(1, height, 1)
    cols = torch.arange(width).view(1, 1, width)
    top, left, bottom, right = (b[:, i].view(frames, 1, 1) for i in range(4))
    return (rows >= top) & (rows < bottom) & (cols >= left) & (cols < right)  # (T, H, W)


def _region_mask(video: torch.Tensor, region) -> torch.Tensor:
    """``region`` (None, a box, per-frame boxes or a bool mask) -> bool ``(B or 1, 1, T, H, W)``."""
    b, _, t, h, w = video.shape
    if region is None:
        return torch.ones(1, 1, t, h, w, dtype=torch.bool, device=video.device)
    mask = torch.as_tensor(region, device=video.device)
    if mask.dtype != torch.bool:
        mask = box_mask(region, frames=t, height=h, width=w).to(video.device)
    d = mask.dim()
    ok = d in (2, 3, 4) and mask.shape[-2:] == (h, w)
    ok = ok and (d == 2 or mask.shape[-3] == t) and (d < 4 or mask.shape[0] in (1, b))
    if not ok:
        raise UsageError(
            f"expected a mask (H, W), (T, H, W) or (B, T, H, W) with B, T, H, W = "
            f"{b}, {t}, {h}, {w}, got shape {tuple(mask.shape)}"
        )
    mask = mask.view(-1, t if mask.dim() > 2 else 1, h, w)  # (B or 1, T or 1, H, W)
    return mask.unsqueeze(1)  # (B or 1, 1, T or 1, H, W)


def _check_video(video) -> torch.Tensor:
    if not isinstance(video, torch.Tensor) or video.dim() != 5 or not video.is_floating_point():
        got = tuple(video.shape) if isinstance(video, torch.Tensor) else type(video).__name__
        raise VideoError(
            f"expected a float tensor (B, C, T, H, W) in [-1, 1], got {got}: convert uint8 "
            "frames with vidgen_edu.video.frames_to_tensor"
        )
    return video


def _per_frame(video: torch.Tensor, op) -> torch.Tensor:
    """Apply ``op`` to every frame: ``(B, C, T, H, W)`` -> ``(B*C*T, 1, H, W)`` and back."""
    b, c, t, h, w = video.shape
    frames = video.reshape(b * c * t, 1, h, w)  # (B*C*T, 1, H, W)
    return op(frames).reshape(b, c, t, h, w)  # (B, C, T, H, W)


# --- the two obfuscations --------------------------------------------------------------------


def gaussian_kernel(sigma: float) -> torch.Tensor:
    """The 1-D Gaussian ``exp(-x^2 / (2 sigma^2))``, normalised to sum 1, on ``|x| <= 3 sigma``.

    >>> gaussian_kernel(1.0).shape, round(float(gaussian_kernel(1.0).sum()), 6)
    (torch.Size([7]), 1.0)
    """
    radius = max(1, math.ceil(3 * sigma))
    x = torch.arange(-radius, radius + 1, dtype=torch.float32)
    k = torch.exp(-(x**2) / (2 * sigma**2))
    return k / k.sum()


def blur(video: torch.Tensor, sigma: float, *, region=None) -> torch.Tensor:
    """Gaussian blur of standard deviation ``sigma`` pixels inside ``region`` of every frame.

    The 2-D Gaussian is separable: one 1-D convolution along the rows, one along the columns.
    Borders repeat the edge pixel (replicate padding), so any ``sigma`` works on any frame size.
    ``sigma=0`` returns the video unchanged. Frames are blurred alone (no mixing over time).
    ``region``: None (the whole frame), a box, per-frame boxes (:func:`box_mask`) or a bool mask.
    """
    video = _check_video(video)
    if not sigma >= 0:
        raise UsageError(f"sigma must be >= 0 pixels, got {sigma!r}: e.g. sigma=2.0")
    if sigma == 0:
        return video.clone()
    k = gaussian_kernel(float(sigma)).to(video)
    r = (len(k) - 1) // 2

    def op(x: torch.Tensor) -> torch.Tensor:  # (N, 1, H, W)
        x = F.conv2d(F.pad(x, (r, r, 0, 0), mode="replicate"), k.view(1, 1, 1, -1))  # rows
        return F.conv2d(F.pad(x, (0, 0, r, r), mode="replicate"), k.view(1, 1, -1, 1))  # cols

    return torch.where(_region_mask(video, region), _per_frame(video, op), video)


def pixelate(video: torch.Tensor, block: int, *, region=None) -> torch.Tensor:
    """Mosaic: every ``block x block`` square (grid from the top-left corner) becomes its mean.

    Squares cut by the right or bottom edge average only the pixels they hold. ``block=1``
    returns the video unchanged. ``region`` as in :func:`blur`; squares that straddle the region's
    edge take the mean of the whole square, but only the pixels inside the region are replaced.
    """
    video = _check_video(video)
    if isinstance(block, bool) or not isinstance(block, int) or block < 1:
        raise UsageError(f"block must be a whole number of pixels >= 1, got {block!r}: e.g. 4")
    h, w = video.shape[-2:]
    pad = (0, -w % block, 0, -h % block)  # right, bottom: to whole squares

    def op(x: torch.Tensor) -> torch.Tensor:  # (N, 1, H, W)
        sums = F.avg_pool2d(F.pad(x, pad), block, divisor_override=1)  # (N, 1, H/b, W/b)
        counts = F.avg_pool2d(F.pad(torch.ones_like(x[:1]), pad), block, divisor_override=1)
        means = sums / counts
        big = means.repeat_interleave(block, dim=2).repeat_interleave(block, dim=3)
        return big[..., :h, :w]  # (N, 1, H, W)

    return torch.where(_region_mask(video, region), _per_frame(video, op), video)


def obfuscate(video: torch.Tensor, method: str, strength: float, *, region=None) -> torch.Tensor:
    """``blur(video, sigma=strength)`` or ``pixelate(video, block=strength)`` by name."""
    if method == "blur":
        return blur(video, strength, region=region)
    if method == "pixelate":
        if strength != int(strength):
            raise UsageError(f"pixelate needs a whole block side in pixels, got {strength!r}")
        return pixelate(video, int(strength), region=region)
    raise UsageError(f"unknown de-identification method {method!r}: use one of {METHODS}")


# --- what a classifier can still tell ---------------------------------------------------------

# Clips the shipped classifier never saw: its 32-pixel training clips used sample seeds < 2000 and
# its own held-out measurement the seed 2 * HELD_OUT_SEED + 1 (vidgen_edu.metrics.train_features).
TEST_SEED = 2_000_000_001
ATTACKER_SEED = 10_000  # the adapted attacker's training clips use seeds from here up
CLIP = {"size": 32, "frames": 16, "digits": 1}  # Moving Digits as the classifier was trained on


def adapt_classifier(method: str, strength: float, *, steps: int = 150, batch_size: int = 32):
    """A copy of the shipped classifier fine-tuned on obfuscated clips: the attacker of McPherson.

    McPherson, Shokri and Shmatikov (2016, arXiv:1609.00408) train the recognizer on obfuscated
    images: the obfuscation is public, so an attacker can apply it to data of their own. Here:
    ``steps`` steps of Adam (learning rate 1e-3) on the digit cross-entropy of fresh Moving Digits
    clips (seeds from ``ATTACKER_SEED``, disjoint from the test clips) obfuscated by ``method`` at
    ``strength``. Returns the network in eval mode; the shipped one is not touched.
    """
    import copy

    from vidgen_edu.data import MovingDigits
    from vidgen_edu.metrics.features import shipped_feature_net

    net = copy.deepcopy(shipped_feature_net()).train()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    data = MovingDigits(**CLIP)
    for step in range(steps):
        clips = data.sample(batch_size, seed=ATTACKER_SEED + step)
        _, z = net.encode(obfuscate(clips.video, method, strength))  # z: (B, embed_dim)
        loss = F.cross_entropy(net.digit_head(z), clips.labels)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return net.eval()


@torch.no_grad()
def _accuracy(video: torch.Tensor, labels: torch.Tensor, net) -> float:
    from vidgen_edu.metrics import classify

    return float((classify(video, net=net) == labels).float().mean())


def identity_leak(
    method: str, strengths, *, n: int = 500, adapt_steps: int = 0, seed: int = TEST_SEED
) -> dict[float, float]:
    """Digit accuracy of the course's classifier on Moving Digits obfuscated at each strength.

    ``n`` single-digit clips (32x32 pixels, 16 frames, :class:`vidgen_edu.data.MovingDigits`
    drawn with ``seed``, held out from every training) are obfuscated over the whole frame (the
    digit is the identity) with ``method`` (``"blur"``: strength = sigma in pixels;
    ``"pixelate"``: strength = block side) and classified by the shipped digit classifier
    (:func:`vidgen_edu.metrics.classify`, the "class accuracy" of the shipped models), or, with
    ``adapt_steps > 0``, by that classifier fine-tuned on obfuscated clips for each strength
    (:func:`adapt_classifier`). Returns ``{strength: accuracy}``; chance is 0.1.

    Why: a blur that looks strong to a person can leave the identity readable to a network
    (McPherson, Shokri, Shmatikov 2016, arXiv:1609.00408); this is the measurement, not the look.
    """
    from vidgen_edu.data import MovingDigits

    if method not in METHODS:
        raise UsageError(f"unknown de-identification method {method!r}: use one of {METHODS}")
    clips = MovingDigits(**CLIP).sample(n, seed=seed)
    table = {}
    for s in strengths:
        net = adapt_classifier(method, s, steps=adapt_steps) if adapt_steps else None
        table[s] = _accuracy(obfuscate(clips.video, method, s), clips.labels, net)
    return table
