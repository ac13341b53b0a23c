"""The GAN's latent space as the studio moves through it: seeds, truncation, interpolation, and
GANSpace directions.

A MoCoGAN clip is made from a content code ``z_C`` (one per clip), motion noise ``eps(t)`` turned
into motion codes ``z_M(t)`` by a GRU, and a class label (see ``vidgen_edu.models.mocogan``).
The studio's controls act on these codes:

- **seed** draws ``z_C`` and ``eps`` from ``torch.Generator().manual_seed(seed)``: the same seed
  gives the same clip, and more frames extend the same clip (the noise is drawn in time order);
- **truncation** ``psi`` scales the codes toward their mean 0: ``z <- psi * z`` (the truncation
  trick, Brock et al. 2019, arXiv:1809.11096, sec. 3.1; as in StyleGAN, Karras et al. 2019): less
  variety, more typical clips;
- **interpolation** slerps between the codes of two seeds (White 2016, arXiv:1609.04468): a
  Gaussian code keeps its typical norm on the great circle, not on the straight line;
- **directions** are the main axes of variation found by PCA, GANSpace-style (Härkönen et al. 2020,
  arXiv:2004.02546, sec. 2): for content, PCA of the frame generator's first activations, carried
  back to ``z_C`` by linear regression (``z_C`` itself is isotropic, so its own PCA finds
  nothing); for motion, PCA of the GRU's states ``z_M(t)``, which are not isotropic. Each
  direction is named by what it measurably changes in the frames (ink, position, size, slant).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch

from vidgen_edu.errors import UsageError
from vidgen_edu.models.mocogan import MoCoGANGenerator
from vidgen_edu.video import tensor_to_frames

MIX_MODES = ("content", "motion", "both")  # what an interpolation between two seeds moves
MAX_FRAMES = 256  # the GRU runs on; beyond this a clip is just slow to make


@dataclass(frozen=True)
class Settings:
    """Everything that decides a clip's latent codes (post-processing is applied afterwards)."""

    seed: int = 0  # draws z_C and eps(t)
    label: int = 0  # class id, 0..num_classes-1 (the digit)
    truncation: float = 1.0  # psi in (0, 1]: z <- psi * z
    frames: int = 16  # T; more than the model was trained on shows what it does past its length
    seed_b: int = 1  # the second seed of an interpolation
    mix: float = 0.0  # 0 = seed, 1 = seed_b
    mix_mode: str = "content"  # one of MIX_MODES
    content: tuple[float, ...] = ()  # steps along the content directions, in standard deviations
    motion: tuple[float, ...] = ()  # steps along the motion directions, in standard deviations
    steps: int | None = None  # ODE sampling steps (flow models only; None: the model's default)
    guidance: float | None = None  # classifier-free guidance scale (flow models only)


@dataclass(frozen=True)
class Direction:
    """One axis of variation: ``code <- code + step * sd * vector``."""

    name: str  # "content 1: slant", named by the frame statistic it changes most
    vector: torch.Tensor  # (D,) unit vector in z_C (content) or z_M (motion) space
    sd: float  # spread of the codes along it: a step of 1 moves one standard deviation


def slerp(a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    """Spherical interpolation of two codes of the same shape (treated as one flat vector)."""
    fa, fb = a.flatten(), b.flatten()
    omega = torch.arccos((fa @ fb / (fa.norm() * fb.norm())).clamp(-1, 1))
    if omega.abs() < 1e-6:
        return (1 - t) * a + t * b
    s = torch.sin(omega)
    return (torch.sin((1 - t) * omega) / s) * a + (torch.sin(t * omega) / s) * b


def frame_stats(frames: torch.Tensor) -> dict[str, torch.Tensor]:
    """Ink-weighted statistics of grey frames (N, H, W) in [0, 1], each (N,).

    ``ink`` is the mean brightness (stroke thickness), ``x``/``y`` the centroid in pixels,
    ``width``/``height`` the spread (standard deviation) and ``slant`` the covariance of x and y
    over the variance of y (how far the strokes lean right going down).
    """
    n, h, w = frames.shape
    mass = frames.sum((1, 2)) + 1e-6
    ys, xs = torch.meshgrid(
        torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij"
    )
    mean = lambda f: (frames * f).sum((1, 2)) / mass  # noqa: E731
    cx, cy = mean(xs), mean(ys)
    vx = mean(xs**2) - cx**2
    vy = mean(ys**2) - cy**2
    cov = mean(xs * ys) - cx * cy
    return {
        "ink": frames.mean((1, 2)),
        "x position": cx,
        "y position": cy,
        "width": vx.clamp_min(0).sqrt(),
        "height": vy.clamp_min(0).sqrt(),
        "slant": cov / (vy + 1e-6),
    }


class GanLatentSpace:
    """Turn :class:`Settings` into clips with a MoCoGAN-style generator, and find its directions.

    ``n_content`` / ``n_motion``: how many directions to find; ``n_samples`` codes are drawn
    (seeded with ``seed``) to find them, which takes a fraction of a second on a CPU.
    """

    latent_codes = True  # the studio's truncation, direction and interpolation controls apply
    note = ""  # nothing is switched off

    def __init__(
        self,
        generator,
        cfg,
        *,
        n_content: int = 3,
        n_motion: int = 2,
        n_samples: int = 512,
        seed: int = 0,
    ):
        if not isinstance(generator, MoCoGANGenerator):
            raise UsageError(
                f"the studio steers MoCoGAN-style generators (content and motion "
                f"codes); got {type(generator).__name__}: load a mocogan checkpoint"
            )
        self.g, self.cfg = generator, cfg
        rng = torch.Generator().manual_seed(seed)
        with torch.inference_mode():
            self.content_dirs = self._content_directions(n_content, n_samples, rng)
            self.motion_dirs = self._motion_directions(n_motion, n_samples // 8, rng)

    # --- codes ----------------------------------------------------------------------------
    def draw(self, seed: int, frames: int) -> tuple[torch.Tensor, torch.Tensor]:
        """``z_C`` (zc,) and ``eps`` (T, zn) of one seed; more frames extend the same noise."""
        rng = torch.Generator().manual_seed(int(seed))
        z_c = torch.randn(self.cfg.z_content, generator=rng)
        eps = torch.randn(frames, self.cfg.z_noise, generator=rng)
        return z_c, eps

    def codes(self, s: Settings) -> tuple[torch.Tensor, torch.Tensor]:
        """Apply interpolation, truncation and content directions: ``z_C`` (zc,), ``eps`` (T, zn)."""
        check_settings(s, self)
        z_c, eps = self.draw(s.seed, s.frames)
        if s.mix:
            z_b, eps_b = self.draw(s.seed_b, s.frames)
            if s.mix_mode in ("content", "both"):
                z_c = slerp(z_c, z_b, s.mix)
            if s.mix_mode in ("motion", "both"):
                eps = slerp(eps, eps_b, s.mix)
        z_c, eps = s.truncation * z_c, s.truncation * eps
        for step, d in zip(s.content, self.content_dirs, strict=False):
            z_c = z_c + step * d.sd * d.vector
        return z_c, eps

    def motion_shift(self, s: Settings) -> torch.Tensor:
        """The offset (zm,) the motion sliders add to every motion code ``z_M(t)``."""
        shift = torch.zeros(self.cfg.z_motion)
        for step, d in zip(s.motion, self.motion_dirs, strict=False):
            shift = shift + step * d.sd * d.vector
        return shift

    # --- clips ----------------------------------------------------------------------------
    def decode(self, z_c, eps, labels, shift=None) -> torch.Tensor:
        """``MoCoGANGenerator.forward`` with ``shift`` (zm,) added to every motion code.

        ``z_c`` (B, zc), ``eps`` (B, T, zn), ``labels`` (B,) -> clips (B, C, T, H, W) in [-1, 1].
        """
        g = self.g
        b, t = eps.shape[:2]
        z_m = g.motion(torch.zeros(b, self.cfg.z_motion), eps)  # (B, T, zm)
        if shift is not None:
            z_m = z_m + shift
        parts = [z_c[:, None].expand(b, t, -1), z_m]
        if g.embed is not None:
            parts.append(g.embed(labels)[:, None].expand(b, t, -1))
        code = torch.cat(parts, dim=2).reshape(b * t, -1)  # (B*T, D)
        frames = g.frame(code)  # (B*T, C, H, W)
        return frames.reshape(b, t, *frames.shape[1:]).transpose(1, 2)  # (B, C, T, H, W)

    def render(self, s: Settings) -> np.ndarray:
        """The clip of one set of settings: ``uint8 (T, H, W, C)``."""
        return self.render_many([s])[0]

    def render_many(self, settings: list[Settings]) -> np.ndarray:
        """Several clips with the same number of frames in one batch: ``uint8 (N, T, H, W, C)``."""
        codes = [self.codes(s) for s in settings]
        z_c = torch.stack([c[0] for c in codes])  # (N, zc)
        eps = torch.stack([c[1] for c in codes])  # (N, T, zn)
        labels = torch.tensor([s.label for s in settings])
        shifts = torch.stack([self.motion_shift(s) for s in settings])[:, None]  # (N, 1, zm)
        with torch.inference_mode():
            return tensor_to_frames(self.decode(z_c, eps, labels, shifts))

    # --- GANSpace -------------------------------------------------------------------------
    def _random_codes(self, n, rng):
        z_c = torch.randn(n, self.cfg.z_content, generator=rng)
        eps = torch.randn(n, self.cfg.frames, self.cfg.z_noise, generator=rng)
        labels = torch.randint(0, max(1, self.cfg.num_classes), (n,), generator=rng)
        return z_c, eps, labels

    def _content_directions(self, k, n, rng) -> list[Direction]:
        """PCA of the first layer's activations, regressed back onto ``z_C`` (GANSpace sec. 2.2)."""
        z_c, eps, labels = self._random_codes(n, rng)
        b = torch.arange(n)
        z_m = self.g.motion(torch.zeros(n, self.cfg.z_motion), eps)  # (N, T, zm)
        t = torch.randint(0, self.cfg.frames, (n,), generator=rng)
        parts = [z_c, z_m[b, t]] + ([self.g.embed(labels)] if self.g.embed is not None else [])
        code = torch.cat(parts, dim=1)  # (N, D)
        first = self.g.frame.net[:3](code[:, :, None, None]).flatten(1)  # (N, F): 4x4 maps
        centred = first - first.mean(0)
        _, _, vh = torch.linalg.svd(centred, full_matrices=False)
        coords = centred @ vh[:k].T  # (N, k): each sample's position along the top k axes
        coords = coords / coords.std(0)
        # z_C ~ coords @ U: the rows of U are the z_C directions that move each activation axis
        u = torch.linalg.lstsq(coords, z_c - z_c.mean(0)).solution  # (k, zc)
        vectors = u / u.norm(dim=1, keepdim=True)
        base = dict(z_c=z_c[:64], eps=eps[:64, :1], labels=labels[:64])  # 64 first frames
        before = frame_stats(self._frames(base, None, None))
        return [self._named("content", i, v, 1.0, base, before) for i, v in enumerate(vectors)]

    def _motion_directions(self, k, n, rng) -> list[Direction]:
        """PCA of the motion codes ``z_M(t)`` pooled over clips and time."""
        z_c, eps, labels = self._random_codes(n, rng)
        z_m = self.g.motion(torch.zeros(n, self.cfg.z_motion), eps).reshape(-1, self.cfg.z_motion)
        centred = z_m - z_m.mean(0)  # (N*T, zm)
        _, svals, vh = torch.linalg.svd(centred, full_matrices=False)
        sds = svals / (len(centred) - 1) ** 0.5
        base = dict(z_c=z_c[:8], eps=eps[:8], labels=labels[:8])  # 8 clips
        before = frame_stats(self._frames(base, None, None))
        return [self._named("motion", i, vh[i], float(sds[i]), base, before) for i in range(k)]

    def _named(self, space, i, vector, sd, base, s0) -> Direction:
        """Name a direction by the frame statistic that a step of +2 sd changes the most (in units
        of that statistic's spread over the samples), and orient it so that + increases it."""
        shift = 2 * sd * vector
        content = space == "content"
        after = self._frames(base, shift if content else None, None if content else shift)
        s1 = frame_stats(after)
        scores = {
            name: ((s1[name] - s0[name]).mean() / (s0[name].std() + 1e-6)).item() for name in s0
        }
        name = max(scores, key=lambda key: abs(scores[key]))
        if scores[name] < 0:
            vector = -vector
        return Direction(f"{space} {i + 1}: {name}", vector, sd)

    def _frames(self, base, content_shift, motion_shift) -> torch.Tensor:
        """Grey frames (N*T, H, W) in [0, 1] of the ``base`` codes, shifted."""
        z_c = base["z_c"] if content_shift is None else base["z_c"] + content_shift
        video = self.decode(z_c, base["eps"], base["labels"], motion_shift)  # (N, C, T, H, W)
        grey = video.mean(1).flatten(0, 1)  # (N*T, H, W)
        return (grey + 1) / 2


def check_settings(s: Settings, space: GanLatentSpace) -> None:
    """Raise a UsageError that names the bad value and the range it must be in."""
    cfg = space.cfg
    if not 1 <= s.frames <= MAX_FRAMES:
        raise UsageError(f"frames must be between 1 and {MAX_FRAMES}, got {s.frames}")
    if cfg.num_classes and not 0 <= s.label < cfg.num_classes:
        raise UsageError(f"class must be in 0..{cfg.num_classes - 1}, got {s.label}")
    if not 0 < s.truncation <= 1:
        raise UsageError(f"truncation must be in (0, 1], got {s.truncation}")
    if s.mix_mode not in MIX_MODES:
        raise UsageError(
            f"interpolation mode must be one of {', '.join(MIX_MODES)}, got {s.mix_mode!r}"
        )
    if not 0 <= s.mix <= 1:
        raise UsageError(f"interpolation must be in [0, 1], got {s.mix}")


def velocity(clip: np.ndarray) -> tuple[float, float]:
    """The digit's mean velocity (vx, vy) in pixels per frame: the slope of a straight-line fit
    to the ink centroid over time. ``clip``: ``uint8 (T, H, W, C)``; image y points down."""
    grey = torch.from_numpy(clip).float().mean(-1) / 255  # (T, H, W)
    stats = frame_stats(grey)
    t = np.arange(len(clip))
    if len(t) < 2:
        return 0.0, 0.0
    return (
        float(np.polyfit(t, stats["x position"].numpy(), 1)[0]),
        float(np.polyfit(t, stats["y position"].numpy(), 1)[0]),
    )


DIRECTIONS = {"left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1)}


def find_seed_moving(
    space: GanLatentSpace, s: Settings, direction: str, *, tries: int = 32, min_speed: float = 0.3
) -> tuple[int, float, bool]:
    """Search seeds ``s.seed, s.seed + 1, ...`` for a clip whose digit moves in ``direction``.

    The model has no motion-direction input, so the prompt's direction is realised by selection:
    ``tries`` seeds are rendered in one batch and the one moving fastest that way is kept.
    Returns ``(seed, speed in px/frame along the direction, found)``; ``found`` is False when no
    seed moved at least ``min_speed`` that way (the closest is returned all the same).
    """
    ux, uy = DIRECTIONS[direction]
    seeds = [s.seed + i for i in range(tries)]
    clips = space.render_many([replace(s, seed=k) for k in seeds])
    speeds = [ux * vx + uy * vy for vx, vy in map(velocity, clips)]
    best = int(np.argmax(speeds))
    return seeds[best], speeds[best], speeds[best] >= min_speed
