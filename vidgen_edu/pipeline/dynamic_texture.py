"""Dynamic textures: the course's classical (pre-deep-learning) video generator.

Doretto, Chiuso, Wu and Soatto, "Dynamic Textures", IJCV 51(2), 2003. A clip is the output of a
linear dynamical system driven by Gaussian noise::

    x_{t+1} = A x_t + B v_t,      v_t ~ N(0, I)        (hidden state, k numbers per frame)
    y_t     = C x_t + ybar + w_t,  w_t ~ N(0, r I)      (the frame, flattened to p = C*H*W pixels)

It is learned in closed form, in two steps (the paper's "closed-form suboptimal" solution):

1. appearance: ``C`` holds the top-k principal components of the centred frames (an SVD of the
   frame matrix), and the states ``x_t = C^T (y_t - ybar)`` are each frame's PCA coordinates;
2. dynamics: ``A`` is the least-squares fit of ``x_{t+1}`` on ``x_t``; the residuals'
   covariance ``Q = B B^T`` gives ``B`` (its square root via an eigendecomposition).

What it cannot do, and why the course moves on to learned models:

- it is **linear**: a new frame is a weighted sum of k fixed "eigen-frames", so moving objects
  (a digit crossing the frame) come out as ghostly cross-fades, not translations;
- it has **no objects**: nothing keeps a digit's shape, count or identity from frame to frame;
- it is **blurry**: k components keep the low-frequency part of the frames, and the noise that
  drives it spreads energy over all components;
- it models **stationary** motion only (water, smoke, flames), which is what the paper used it for.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import scipy.linalg
import torch

from vidgen_edu.errors import UsageError, VideoError


def _is_count(value) -> bool:
    """``value`` is a whole number >= 1 (a Python or numpy int; a bool is not a count)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1


def _check_video(video: torch.Tensor) -> torch.Tensor:
    """Reject anything that is not a float video ``(B, C, T, H, W)`` with at least 2 frames."""
    if not isinstance(video, torch.Tensor) or video.dim() != 5 or not video.is_floating_point():
        got = tuple(video.shape) if isinstance(video, torch.Tensor) else type(video).__name__
        raise VideoError(
            f"expected a float video tensor (B, C, T, H, W) in [-1, 1], got {got}: convert uint8 "
            "frames with vidgen_edu.video.frames_to_tensor"
        )
    if video.shape[2] < 2:
        raise VideoError(
            f"a dynamic texture needs clips of at least 2 frames, got T={video.shape[2]}"
        )
    return video


def top_components(centred: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The top ``k`` singular values ``(k,)`` and right singular vectors ``(p, k)`` of ``(M, p)``.

    Computed from the eigendecomposition of the smaller of the two Gram matrices (``M x M`` or
    ``p x p``), which is several times faster than a full SVD for the wide matrices of video
    frames (M frames << p pixels) and exact enough in float64 for the leading components.
    Components beyond the numerical rank of the frames come out as zero columns.
    """
    m, p = centred.shape
    small = centred @ centred.T if m <= p else centred.T @ centred  # (M, M) or (p, p)
    eigvals, eigvecs = torch.linalg.eigh(small)  # ascending
    eigvals, eigvecs = eigvals.flip(0)[:k].clamp(min=0), eigvecs.flip(1)[:, :k]
    s = eigvals.sqrt()
    if m > p:
        return s, eigvecs.contiguous()
    keep = s > s[0] * 1e-10  # columns of non-zero singular values
    basis = torch.zeros(p, k, dtype=centred.dtype)
    basis[:, keep] = centred.T @ eigvecs[:, keep] / s[keep]  # v_i = X^T u_i / s_i
    return s, basis


@dataclass
class FramePCA:
    """The appearance model: ``y = basis @ x + mean`` for a flattened frame ``y``.

    ``basis`` has orthonormal columns, so encoding is a projection: ``x = basis^T (y - mean)``.
    """

    mean: torch.Tensor  # (p,) mean frame, float64
    basis: torch.Tensor  # (p, k) principal directions, orthonormal columns, float64
    singular_values: torch.Tensor  # (k,) of the centred frame matrix
    total_variance: float  # sum of all squared singular values (the energy of the centred frames)
    residual_variance: float  # per-pixel variance the k components leave out (r in the model)
    frame_shape: tuple[int, int, int]  # (C, H, W)

    @classmethod
    def fit(cls, video: torch.Tensor, *, k: int) -> FramePCA:
        """PCA of every frame of ``video (B, C, T, H, W)``: the SVD of the centred frame matrix."""
        video = _check_video(video)
        b, c, t, h, w = video.shape
        frames = video.permute(0, 2, 1, 3, 4).reshape(b * t, c * h * w)  # (B*T, p)
        frames = frames.double()
        if not _is_count(k) or k > min(frames.shape):
            raise UsageError(
                f"k={k} components requested, but the {b * t} frames of {c * h * w} pixels allow "
                f"1..{min(frames.shape)}: pick a smaller k or give more frames"
            )
        mean = frames.mean(dim=0)
        centred = frames - mean
        s, basis = top_components(centred, k)
        total = float(centred.pow(2).sum())
        left_out = max(total - float((s**2).sum()), 0.0) / frames.numel()
        return cls(mean, basis, s, total, left_out, (c, h, w))

    @property
    def k(self) -> int:
        """The number of components (the state dimension)."""
        return self.basis.shape[1]

    @property
    def explained_variance_ratio(self) -> torch.Tensor:
        """``(k,)`` share of the frames' variance along each component: ``s_i^2 / sum_j s_j^2``."""
        return self.singular_values**2 / self.total_variance

    def encode(self, video: torch.Tensor) -> torch.Tensor:
        """``(B, C, T, H, W)`` -> states ``(B, T, k)``: each frame's coordinates on the basis."""
        video = _check_video(video)
        b, c, t, h, w = video.shape
        if (c, h, w) != self.frame_shape:
            raise VideoError(
                f"frames of shape (C, H, W)={(c, h, w)} given to a PCA fitted on {self.frame_shape}"
            )
        frames = video.permute(0, 2, 1, 3, 4).reshape(b * t, c * h * w).double()  # (B*T, p)
        return ((frames - self.mean) @ self.basis).reshape(b, t, self.k)  # (B, T, k)

    def decode(self, states: torch.Tensor) -> torch.Tensor:
        """States ``(B, T, k)`` -> float32 video ``(B, C, T, H, W)``, clipped to [-1, 1]."""
        if not isinstance(states, torch.Tensor) or states.dim() != 3 or states.shape[2] != self.k:
            got = tuple(states.shape) if isinstance(states, torch.Tensor) else type(states).__name__
            raise UsageError(
                f"expected states (B, T, k) with k={self.k} (this PCA's components), "
                f"got {got}: pass what encode(video) returns"
            )
        b, t, _ = states.shape
        c, h, w = self.frame_shape
        frames = states.double() @ self.basis.T + self.mean  # (B, T, p)
        video = frames.reshape(b, t, c, h, w).permute(0, 2, 1, 3, 4)  # (B, C, T, H, W)
        return video.clamp(-1, 1).float().contiguous()


def fit_dynamics(states: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Least-squares ``A`` and noise matrix ``B`` from states ``(B, T, k)``: ``x_{t+1} = A x_t + B v_t``.

    ``A = argmin sum_t |x_{t+1} - A x_t|^2 = X1 X0^T (X0 X0^T)^+`` over the transitions *within*
    each clip (never from the last frame of one clip to the first of the next), and
    ``B = U sqrt(L)`` from the eigendecomposition ``Q = U L U^T`` of the residual covariance
    (Doretto et al. 2003). An eigendecomposition rather than a Cholesky factor, because ``Q`` is
    often rank-deficient.
    """
    x0 = states[:, :-1].reshape(-1, states.shape[-1]).double()  # (N, k) x_t
    x1 = states[:, 1:].reshape(-1, states.shape[-1]).double()  # (N, k) x_{t+1}
    a = torch.linalg.lstsq(x0, x1).solution.T  # x1 ~ x0 @ A^T
    residual = x1 - x0 @ a.T  # (N, k)
    q = residual.T @ residual / max(residual.shape[0] - 1, 1)
    eigvals, eigvecs = torch.linalg.eigh(q)
    b = eigvecs * eigvals.clamp(min=0).sqrt()  # B B^T = Q
    return a, b


def spectral_radius(a: torch.Tensor) -> float:
    """The largest ``|eigenvalue|`` of ``A``: below 1 the system forgets its start and stays bounded."""
    return float(torch.linalg.eigvals(a).abs().max())


def stationary_covariance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``P`` solving ``P = A P A^T + B B^T`` (discrete Lyapunov equation); needs ρ(A) < 1.

    ``P`` is the covariance the states settle to after many steps, whatever the start.
    """
    p = scipy.linalg.solve_discrete_lyapunov(a.numpy(), (b @ b.T).numpy())
    return torch.from_numpy(p)


class DynamicTexture:
    """A linear dynamical system fitted to video clips (Doretto et al. 2003).

    Args:
        k: number of principal components kept (the state dimension).
        max_radius: if the fitted ``A`` has a spectral radius above this, it is scaled down to it,
            so that long samples do not blow up (a crude form of the stability constraint of
            Siddiqi, Boots and Gordon, NIPS 2007). ``None`` keeps ``A`` as fitted.

    >>> video = torch.rand(2, 1, 12, 8, 8) * 2 - 1
    >>> DynamicTexture(k=4).fit(video).sample(3, frames=5, seed=0).shape
    torch.Size([3, 1, 5, 8, 8])
    """

    def __init__(self, *, k: int = 16, max_radius: float | None = 0.999):
        if not _is_count(k):
            raise UsageError(f"k must be a positive number of components, got {k!r}: e.g. k=16")
        self.k = k
        self.max_radius = max_radius
        self.pca: FramePCA | None = None
        self.states: torch.Tensor | None = None  # (B, T, k) the training clips' states

    def fit(self, video: torch.Tensor) -> DynamicTexture:
        """Learn appearance (PCA) and dynamics (A, B) from ``video (B, C, T, H, W)`` in [-1, 1]."""
        pca = FramePCA.fit(video, k=self.k)
        return self.fit_states(pca, pca.encode(video))

    def fit_states(self, pca: FramePCA, states: torch.Tensor) -> DynamicTexture:
        """Learn the dynamics on states already computed by ``pca`` (the pipeline's feature stage)."""
        ok = isinstance(states, torch.Tensor) and states.dim() == 3
        if not ok or states.shape[1] < 2 or states.shape[2] != pca.k:
            got = tuple(states.shape) if isinstance(states, torch.Tensor) else type(states).__name__
            raise UsageError(
                f"expected states (B, T, k) with T >= 2 and k={pca.k}, got {got}: "
                "pass pca.encode(video) of clips of at least 2 frames"
            )
        self.pca, self.states, self.k = pca, states.double(), pca.k
        self.a, self.b = fit_dynamics(self.states)
        radius = spectral_radius(self.a)
        if self.max_radius is not None and radius > self.max_radius:
            self.a = self.a * (self.max_radius / radius)
        return self

    @property
    def explained_variance(self) -> float:
        """Share of the training frames' variance the k components keep (0..1)."""
        return float(self._fitted().explained_variance_ratio.sum())

    @property
    def eigenvalues(self) -> torch.Tensor:
        """The eigenvalues of ``A`` (complex): their angle is a frequency, their modulus a decay."""
        self._fitted()
        return torch.linalg.eigvals(self.a)

    def sample(
        self,
        n: int,
        frames: int | None = None,
        *,
        seed: int = 0,
        start: str = "fitted",
        observation_noise: bool = False,
        device: str | torch.device = "cpu",
    ) -> torch.Tensor:
        """``n`` new clips ``(n, C, frames, H, W)``, float32 in [-1, 1], the same for the same seed.

        Args:
            frames: length of each clip; defaults to the training clips' length.
            start: ``"fitted"`` draws ``x_0`` among the training clips' states (any clip, any
                time), so samples start from a frame the model has seen; ``"stationary"`` draws it
                from ``N(0, P)``, the system's long-run distribution (``P = A P A^T + B B^T``).
            observation_noise: add the pixel noise ``w_t ~ N(0, r I)`` of the model (white static).
            device: where the returned tensor lives; random numbers are drawn on the CPU, so a
                seed gives the same clips on every device.
        """
        pca = self._fitted()
        frames = self.states.shape[1] if frames is None else frames
        if not _is_count(n) or not _is_count(frames):
            raise UsageError(
                f"need n >= 1 clips of frames >= 1, got n={n!r}, frames={frames!r}: "
                "pass whole numbers, e.g. n=4, frames=16"
            )
        gen = torch.Generator().manual_seed(seed)
        x = self._start_states(n, start, gen)  # (n, k)
        steps = []
        for _ in range(frames):
            steps.append(x)
            v = torch.randn(n, self.k, generator=gen, dtype=torch.float64)
            x = x @ self.a.T + v @ self.b.T
        states = torch.stack(steps, dim=1)  # (n, T, k)
        video = pca.decode(states)  # (n, C, T, H, W)
        if observation_noise:
            noise = torch.randn(video.shape, generator=gen) * pca.residual_variance**0.5
            video = (video + noise).clamp(-1, 1)
        return video.to(device)

    def _start_states(self, n: int, start: str, gen: torch.Generator) -> torch.Tensor:
        if start == "fitted":
            pool = self.states.reshape(-1, self.k)  # (B*T, k)
            return pool[torch.randint(len(pool), (n,), generator=gen)]
        if start == "stationary":
            cov = stationary_covariance(self.a, self.b)
            eigvals, eigvecs = torch.linalg.eigh(cov)
            root = eigvecs * eigvals.clamp(min=0).sqrt()
            return torch.randn(n, self.k, generator=gen, dtype=torch.float64) @ root.T
        raise UsageError(f"start must be 'fitted' or 'stationary', got {start!r}")

    def _fitted(self) -> FramePCA:
        if self.pca is None:
            raise UsageError("this DynamicTexture is not fitted yet: call .fit(video) first")
        return self.pca
