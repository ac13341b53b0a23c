"""``vidgen-edu generate``: clips from a checkpoint's EMA generator (or the shipped weights).

vidgen-edu generate --checkpoint runs/x/last.pt --n 8 --seed 0 --out clips.mp4
vidgen-edu generate --checkpoint pretrained --label 3 --out threes.gif
vidgen-edu generate --checkpoint pretrained --n 10000 --out clips.npy   # uint8 (N, T, H, W, C)

Clips are drawn ``--batch`` at a time, so memory stays bounded however large ``--n`` is.
"""

from __future__ import annotations

from vidgen_edu.cli import int_in
from vidgen_edu.errors import UsageError

MAX_N = 1_000_000


def add_arguments(p) -> None:
    p.add_argument(
        "--checkpoint",
        required=True,
        help="a run folder, its last.pt, or 'pretrained' (the shipped model)",
    )
    p.add_argument("--n", type=int_in(1, MAX_N), default=8, help="number of clips (default 8)")
    p.add_argument("--seed", type=int_in(0, 2**63 - 1), default=0, help="noise seed (default 0)")
    p.add_argument("--label", type=int, help="class to generate (conditional models only)")
    p.add_argument(
        "--frames",
        type=int_in(1, 1024),
        help="clip length (for models that can run past their training length)",
    )
    add_sample_options(p)
    p.add_argument("--batch", type=int_in(1, 1024), default=64, help="clips drawn at once")
    p.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    p.add_argument("--out", required=True, help="FILE.mp4, FILE.gif, FILE.webm or FILE.npy")


def add_sample_options(p) -> None:
    """The flags of the sampling options some generators take (see ``models.contract``)."""
    p.add_argument(
        "--sampling-steps", type=int_in(1, 1000), help="ODE steps of a flow model's sampler"
    )
    p.add_argument("--guidance", type=float, help="classifier-free guidance scale (flow model)")


def sample_options(args, generator, cfg) -> dict:
    """Keyword arguments of ``generator.sample`` beyond the protocol's, from the flags."""
    from vidgen_edu.models.contract import check_sample_options

    flags = {
        "frames": getattr(args, "frames", None),
        "steps": args.sampling_steps,
        "guidance": args.guidance,
    }
    return check_sample_options(generator, flags, model=cfg.name)


def labels_for(args, cfg):
    """``--label`` as a class id, checked against the model (None: the model chooses)."""
    if args.label is None:
        return None
    if not cfg.num_classes:
        raise UsageError("--label: this model is unconditional (trained without classes)")
    if not 0 <= args.label < cfg.num_classes:
        raise UsageError(f"--label {args.label}: expected a class in 0..{cfg.num_classes - 1}")
    return args.label


def batches(generator, n: int, size: int, *, label, seed: int, device: str, **options):
    """``n`` clips (B, C, T, H, W) from ``generator``, ``size`` at a time, one seeded stream."""
    import torch

    gen = torch.Generator(device).manual_seed(seed)
    for start in range(0, n, size):
        count = min(size, n - start)
        with torch.no_grad():
            yield generator.sample(count, labels=label, generator=gen, **options)


def run(args) -> int:
    from vidgen_edu.training import load_generator
    from vidgen_edu.training.samples import MAX_GRID, check_extension, save_clips, save_npy_batches

    ext = check_extension(args.out)
    if ext != ".npy" and args.n > MAX_GRID:
        raise UsageError(
            f"--n {args.n}: a grid video shows at most {MAX_GRID} clips; write a .npy file for more"
        )
    generator, cfg, data = load_generator(args.checkpoint, device=args.device)
    label, options = labels_for(args, cfg), sample_options(args, generator, cfg)
    stream = batches(
        generator, args.n, args.batch, label=label, seed=args.seed, device=args.device, **options
    )
    if ext == ".npy":
        path = save_npy_batches(args.out, stream, n=args.n)
    else:
        import torch

        path = save_clips(args.out, torch.cat(list(stream)))
    frames = options.get("frames", cfg.frames)
    print(
        f"wrote {args.n} clips of {frames} frames {cfg.size}x{cfg.size} "
        f"({cfg.name} on {data.name}) to {path}"
    )
    return 0
