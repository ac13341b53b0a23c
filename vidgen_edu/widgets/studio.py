"""The generation studio: ipywidgets over a trained video generator, answering as a slider moves.

>>> studio = GenerationStudio()          # doctest: +SKIP
>>> studio.ui                            # doctest: +SKIP
>>> studio.controls["seed"].value = 7    # doctest: +SKIP

Every control has a name in ``controls``; a change regenerates the clip (sliders act on release,
``continuous_update=False``, so a drag makes one clip, not fifty). Only what changed is redone:
post-processing and frame rate reuse the last generated frames. An error in a callback is shown
in the studio's message line and the last good clip stays on screen.

The model's own controls come from its latent space, chosen by capability: ``GanLatentSpace``
for a generator with content and motion codes, ``FlowSpace`` for one whose ``sample_options``
include sampling steps or guidance (the flow model). The latter adds ``sampling_steps`` and
``guidance`` as further named controls in ``_model_controls``, and the GAN-only controls
(truncation, directions, interpolation, frames) are disabled with a note saying why; the rest of
the studio does not ask which family it holds.
"""

from __future__ import annotations

import contextlib
import html
import os
import time
from dataclasses import replace

import numpy as np

from vidgen_edu.errors import UsageError, VidgenError
from vidgen_edu.threads import torch_threads

from .flow_space import MAX_GUIDANCE, MAX_STEPS, FlowSpace, has_ode_sampler
from .latent import MAX_FRAMES, MIX_MODES, GanLatentSpace, Settings, find_seed_moving
from .player import (
    EXPORT_FORMATS,
    PLAYERS,
    encode,
    link_html,
    player_html,
    postprocess,
    still_html,
    upscale,
)
from .prompt import parse_prompt

POST = ("brightness", "contrast", "gamma", "sharpen")  # controls that only post-process


class GenerationStudio:
    """Widgets over a generator: ``.ui`` to display, ``.controls`` by name, ``.current_video``.

    ``checkpoint``: ``"pretrained"`` (the shipped MoCoGAN), ``"pretrained-flow"`` (the shipped
    flow model) or a checkpoint path.
    ``out_dir``: where exports are written. ``player``: ``"gif"`` (fastest) or ``"mp4"``.
    ``threads``: torch threads while generating (None leaves torch's setting alone).
    """

    def __init__(
        self,
        checkpoint="pretrained",
        *,
        out_dir=".",
        player: str = "gif",
        threads: int | None = 1,
        seed: int = 0,
        label: int = 3,
    ):
        from vidgen_edu.training import load_generator

        if player not in PLAYERS:
            raise UsageError(f"player must be one of {', '.join(PLAYERS)}, got {player!r}")
        self.checkpoint, self.out_dir, self.player, self.threads = (
            checkpoint,
            out_dir,
            player,
            threads,
        )
        generator, self.cfg, self.data_spec = load_generator(checkpoint)
        with torch_threads(threads):
            space = FlowSpace if has_ode_sampler(generator) else GanLatentSpace
            self.space = space(generator, self.cfg)
        self.current_video = np.zeros(
            (1, self.cfg.size, self.cfg.size, self.cfg.channels), np.uint8
        )
        self.raw_video = self.current_video  # before post-processing
        self.timings: dict[str, float] = {}  # seconds spent in the last update, by stage
        self.last_export: str | None = None
        self._key = None  # the Settings of raw_video
        self._hold = False  # True while several controls are set at once
        self._build(seed, label)
        self.update()

    # --- the widgets ---------------------------------------------------------------------
    def _build(self, seed: int, label: int) -> None:
        import ipywidgets as W

        cfg = self.cfg
        slider = dict(
            continuous_update=False,
            style={"description_width": "140px"},
            layout=W.Layout(width="380px"),
        )
        c = {
            "seed": W.IntSlider(seed, 0, 9999, description="seed", **slider),
            "class": W.IntSlider(
                label,
                0,
                max(0, cfg.num_classes - 1),
                description="class (digit)",
                disabled=not cfg.num_classes,
                **slider,
            ),
            "truncation": W.FloatSlider(
                1.0, min=0.05, max=1.0, step=0.05, description="truncation ψ", **slider
            ),
            "frames": W.IntText(
                cfg.frames,
                description="frames",
                style=slider["style"],
                layout=W.Layout(width="200px"),
            ),
            "fps": W.IntSlider(8, 1, 30, description="frames/s", **slider),
        }
        for space, dirs in (
            ("content", self.space.content_dirs),
            ("motion", self.space.motion_dirs),
        ):
            for i, d in enumerate(dirs):  # "content_1": a step in standard deviations
                c[f"{space}_{i + 1}"] = W.FloatSlider(
                    0.0, min=-3, max=3, step=0.25, description=d.name, **slider
                )
        c.update(self._model_controls(slider))
        c["seed_b"] = W.IntSlider(seed + 1, 0, 9999, description="second seed", **slider)
        c["mix"] = W.FloatSlider(0.0, min=0, max=1, step=0.05, description="interpolate", **slider)
        c["mix_mode"] = W.ToggleButtons(
            options=MIX_MODES,
            value="content",
            description="what moves",
            style={"button_width": "80px", "description_width": "140px"},
        )
        c["brightness"] = W.FloatSlider(
            0.0, min=-0.5, max=0.5, step=0.05, description="brightness", **slider
        )
        c["contrast"] = W.FloatSlider(
            1.0, min=0.25, max=3, step=0.05, description="contrast", **slider
        )
        c["gamma"] = W.FloatSlider(1.0, min=0.2, max=3, step=0.05, description="gamma", **slider)
        c["sharpen"] = W.FloatSlider(0.0, min=0, max=3, step=0.25, description="sharpen", **slider)
        c["prompt"] = W.Text(
            placeholder="a 3 moving left · 一个向左移动的3",
            description="prompt",
            continuous_update=False,
            style={"description_width": "60px"},
            layout=W.Layout(width="350px"),
        )
        c["export_format"] = W.Dropdown(
            options=EXPORT_FORMATS,
            value="mp4",
            description="format",
            style={"description_width": "60px"},
            layout=W.Layout(width="200px"),
        )
        if not self.space.latent_codes:  # no codes to truncate or mix, a fixed clip length
            for name in ("truncation", "frames", "seed_b", "mix", "mix_mode"):
                c[name].disabled = True
            c["prompt"].placeholder = "a 3 · 一个3 (the class only)"
        self.controls = c
        self.player_view = W.HTML(layout=W.Layout(min_height="330px"))
        self.frame = W.IntSlider(
            0,
            0,
            0,
            description="frame",
            continuous_update=True,
            style={"description_width": "50px"},
            layout=W.Layout(width="260px"),
        )
        self.play = W.Play(interval=125, min=0, max=0, description="step through the frames")
        W.jslink((self.play, "value"), (self.frame, "value"))
        self.still = W.HTML()
        self.message = W.HTML()
        self.note = W.HTML(
            f"<small><i>{html.escape(self.space.note)}</i></small>" if self.space.note else ""
        )
        self.status = W.HTML()
        self.export_button = W.Button(description="export", icon="download")
        self.export_link = W.HTML()
        for name, widget in c.items():
            if name != "prompt":
                widget.observe(self._on_change, names="value")
        c["prompt"].observe(self._on_prompt, names="value")
        self.frame.observe(lambda _: self._guard(self._show_still), names="value")
        self.export_button.on_click(lambda _: self._guard(self.export))
        self.ui = self._layout(W)

    def _model_controls(self, slider: dict) -> dict:
        """Controls only some model families have. A GAN has none; a generator whose
        ``sample_options`` include ``steps``/``guidance`` (the flow model) adds
        ``sampling_steps`` and ``guidance`` here, read back in ``settings``."""
        import ipywidgets as W

        options = getattr(self.space, "options", ())
        c = {}
        if "steps" in options:
            c["sampling_steps"] = W.IntSlider(
                self.space.default_steps, 1, MAX_STEPS, description="sampling steps", **slider
            )
        if "guidance" in options:
            c["guidance"] = W.FloatSlider(
                self.space.default_guidance,
                min=0.0,
                max=MAX_GUIDANCE,
                step=0.25,
                description="guidance w",
                disabled=not self.cfg.num_classes,  # an unconditional model ignores it
                **slider,
            )
        return c

    def _layout(self, W):
        c = self.controls

        def box(title, names):
            return W.VBox([W.HTML(f"<b>{title}</b>")] + [c[n] for n in names])

        dirs = [k for k in c if k.startswith(("content_", "motion_"))]
        sampler = [k for k in ("sampling_steps", "guidance") if k in c]
        boxes = [box("sample", ["seed", "class", "truncation", "frames", "fps"])]
        if sampler:
            boxes.append(box("sampler (ODE steps, classifier-free guidance)", sampler))
        if dirs:
            boxes.append(box("directions (GANSpace: PCA of the codes)", dirs))
        boxes.append(box("interpolate between two seeds", ["seed_b", "mix", "mix_mode"]))
        boxes.append(box("post-processing", list(POST)))
        notes = [self.note] if self.space.note else []  # why some controls are off
        left = W.VBox(notes + boxes, layout=W.Layout(width="400px"))
        right = W.VBox(
            [
                W.HTML(
                    f"<b>{html.escape(str(self.checkpoint))}</b> · {self.cfg.name}, "
                    f"{self.cfg.size}x{self.cfg.size}, trained on {self.cfg.frames} frames"
                ),
                self.player_view,
                self.status,
                self.message,
                W.HBox([self.play, self.frame]),
                self.still,
                c["prompt"],
                W.HBox([c["export_format"], self.export_button]),
                self.export_link,
            ],
            layout=W.Layout(width="380px"),
        )
        return W.HBox([left, right], layout=W.Layout(flex_flow="row wrap"))

    # --- state ---------------------------------------------------------------------------
    def settings(self) -> Settings:
        """The latent settings the controls describe now."""
        c = self.controls
        return Settings(
            seed=int(c["seed"].value),
            label=int(c["class"].value) if self.cfg.num_classes else 0,
            truncation=float(c["truncation"].value),
            frames=int(c["frames"].value),
            seed_b=int(c["seed_b"].value),
            mix=float(c["mix"].value),
            mix_mode=c["mix_mode"].value,
            content=tuple(c[k].value for k in c if k.startswith("content_")),
            motion=tuple(c[k].value for k in c if k.startswith("motion_")),
            steps=int(c["sampling_steps"].value) if "sampling_steps" in c else None,
            guidance=float(c["guidance"].value) if "guidance" in c else None,
        )

    def update(self) -> None:
        """Regenerate (if the latent settings changed), post-process and show the clip."""
        c, t0 = self.controls, time.perf_counter()
        s = self.settings()
        if s != self._key:
            with torch_threads(self.threads):
                raw = self.space.render(s)
            self.raw_video, self._key = raw, s
        t1 = time.perf_counter()
        video = postprocess(
            self.raw_video,
            brightness=c["brightness"].value,
            contrast=c["contrast"].value,
            gamma=c["gamma"].value,
            sharpness=c["sharpen"].value,
        )
        page = player_html(video, c["fps"].value, self.player)
        t2 = time.perf_counter()
        self.current_video = video
        self.player_view.value = page
        self.play.interval = int(1000 / c["fps"].value)
        self.frame.max = self.play.max = len(video) - 1
        self._show_still()
        self.timings = {"generate_s": t1 - t0, "display_s": t2 - t1, "total_s": t2 - t0}
        past = (
            " (past the trained length: watch it drift or loop)"
            if s.frames > self.cfg.frames
            else ""
        )
        self.status.value = (
            f"<small>{len(video)} frames{past} · made in "
            f"{1e3 * (t1 - t0):.0f} ms, shown in {1e3 * (t2 - t1):.0f} ms</small>"
        )

    def _show_still(self) -> None:
        i = min(self.frame.value, len(self.current_video) - 1)
        self.still.value = f"<small>frame {i}</small><br>" + still_html(self.current_video[i])

    def _guard(self, fn, *args) -> None:
        """Run a callback; show any error in the message line instead of losing it."""
        try:
            fn(*args)
            self.message.value = ""
        except VidgenError as err:
            self.message.value = _error_html(str(err))
        except Exception as err:  # a bug: say so, keep the studio alive
            self.message.value = _error_html(
                f"internal error ({type(err).__name__}: {err}); please report it"
            )

    def _on_change(self, change) -> None:
        if not self._hold:
            self._guard(self.update)

    @contextlib.contextmanager
    def hold(self):
        """Set several controls at once and regenerate once, at the end."""
        self._hold = True
        try:
            yield
        finally:
            self._hold = False
        self._guard(self.update)

    # --- prompt and export ---------------------------------------------------------------
    def _on_prompt(self, change) -> None:
        if change["new"].strip():
            self._guard(self.apply_prompt, change["new"])

    def apply_prompt(self, text: str) -> str:
        """Set the class (and a seed that moves the asked way) from a prompt; return what was
        done, also shown in the studio. Raises ``UsageError`` for what it cannot do."""
        p = parse_prompt(text)
        if len(p.digits) > 1:
            raise UsageError(
                f"the prompt asks for {len(p.digits)} digits, but this model draws one "
                "digit per clip (it was trained on one-digit Moving Digits): ask for one"
            )
        if p.digits and not self.cfg.num_classes:
            raise UsageError("this model is unconditional: it cannot be asked for a digit")
        if p.direction and not self.space.latent_codes:
            raise UsageError(
                f"this model's prompt sets the class only: moving {p.direction} is found by "
                "searching a GAN's motion codes, and this model has none (ask for the digit)"
            )
        c, note = self.controls, []
        with self.hold():
            if p.digits:
                c["class"].value = p.digits[0]
                note.append(f"class {p.digits[0]}")
            if p.direction:
                s = replace(self.settings(), label=c["class"].value)
                with torch_threads(self.threads):
                    seed, speed, found = find_seed_moving(self.space, s, p.direction)
                c["seed"].value = seed
                how = "" if found else " (the closest of 32 seeds: none moved that way clearly)"
                note.append(f"seed {seed}, moving {p.direction} at {speed:.2f} px/frame{how}")
        text_out = "prompt → " + ", ".join(note or ["nothing to change"])
        self.status.value += f"<br><small>{html.escape(text_out)}</small>"
        return text_out

    def export(self, path: str | None = None, *, scale: int = 8) -> str:
        """Write the clip on screen (upscaled ``scale`` times, nearest neighbour) to ``path``
        (default: ``out_dir/studio_seed{S}_class{Y}.{format}``); show a download link."""
        fmt = self.controls["export_format"].value
        if path is None:
            s = self.settings()
            path = os.path.join(self.out_dir, f"studio_seed{s.seed}_class{s.label}.{fmt}")
        fmt = os.path.splitext(path)[1].lstrip(".").lower()
        if fmt not in EXPORT_FORMATS:
            raise UsageError(f"export to .mp4 or .gif, got {path!r}")
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        data = encode(upscale(self.current_video, scale), self.controls["fps"].value, fmt)
        with open(path + ".tmp", "wb") as f:
            f.write(data)
        os.replace(path + ".tmp", path)
        self.last_export = path
        self.export_link.value = link_html(path, data)
        return path


def _error_html(text: str) -> str:
    return f'<span class="vidgen-error" style="color:#b00020">⚠ {html.escape(text)}</span>'


__all__ = ["GenerationStudio", "MAX_FRAMES"]
