"""``vidgen-edu generate``: clips from a checkpoint's EMA generator (or the shipped weights).

vidgen-edu generate --checkpoint runs/x/last.pt --n 8 --seed 0 --out clips.mp4
vidgen-edu generate --checkpoint pretrained --label 3 --out threes.gif
vidgen-edu generate --checkpoint pretrained --out clips.npy      # uint8 (N, T, H, W, C)
"""

from __future__ import annotations

from vidgen_edu.cli import UsageError


def add_arguments(p) -> None:
    p.add_argument(
        "--checkpoint", required=True, help="a run's last.pt, its folder, or 'pretrained'"
    )
    p.add_argument("--n", type=int, default=8, help="number of clips (default 8)")
    p.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    p.add_argument("--label", type=int, help="class to generate (conditional models only)")
    p.add_argument(
        "--frames", type=int, help="clip length (MoCoGAN may run past its training length)"
    )
    p.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    p.add_argument("--out", required=True, help="FILE.mp4, FILE.gif, FILE.webm or FILE.npy")


def run(args) -> int:
    import torch

    from vidgen_edu.training import load_generator
    from vidgen_edu.training.samples import check_extension, save_clips

    check_extension(args.out)
    if args.n < 1:
        raise UsageError(f"--n {args.n}: expected at least 1 clip")
    generator, cfg, spec = load_generator(args.checkpoint, device=args.device)
    labels = None
    if args.label is not None:
        if not cfg.num_classes:
            raise UsageError("--label: this model is unconditional (trained without classes)")
        if not 0 <= args.label < cfg.num_classes:
            raise UsageError(f"--label {args.label}: expected a class in 0..{cfg.num_classes - 1}")
        labels = torch.full((args.n,), args.label, dtype=torch.long, device=args.device)
    kwargs = {}
    if args.frames is not None:
        if cfg.name != "mocogan" or args.frames < 1:
            raise UsageError("--frames: only a mocogan model can change its clip length (>= 1)")
        kwargs["frames"] = args.frames
    gen = torch.Generator(args.device).manual_seed(args.seed)
    with torch.no_grad():
        video = generator.sample(args.n, labels=labels, generator=gen, **kwargs)  # (B, C, T, H, W)
    path = save_clips(args.out, video)
    print(
        f"wrote {args.n} clips of {video.shape[2]} frames {cfg.size}x{cfg.size} "
        f"({cfg.name} on {spec.get('name')}) to {path}"
    )
    return 0
