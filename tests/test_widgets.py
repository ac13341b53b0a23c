"""The generation studio, driven from Python: every control changes the clip or the state it
should, bad values show a message, the prompt parser names what it did not understand."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vidgen_edu.errors import UsageError
from vidgen_edu.widgets import GenerationStudio, Settings, parse_prompt, slerp
from vidgen_edu.widgets.latent import find_seed_moving, velocity
from vidgen_edu.widgets.player import gif_bytes, postprocess, sharpen


@pytest.fixture(scope="module")
def studio(tmp_path_factory):
    studio = GenerationStudio("pretrained", out_dir=str(tmp_path_factory.mktemp("exports")))
    studio.defaults = {name: w.value for name, w in studio.controls.items()}
    return studio


@pytest.fixture(autouse=True)
def _reset(request):
    """After each test that used the studio, every control back to its default."""
    yield
    if "studio" in request.fixturenames:
        studio = request.getfixturevalue("studio")
        with studio.hold():
            for name, value in studio.defaults.items():
                studio.controls[name].value = value
        assert studio.message.value == ""


# name -> a value away from its default; what must change: the clip ("video") or the state
CHANGES = {
    "seed": (7, "video"),
    "class": (8, "video"),
    "truncation": (0.3, "video"),
    "frames": (24, "video"),
    "content_1": (2.0, "video"),
    "content_2": (-2.0, "video"),
    "content_3": (2.0, "video"),
    "motion_1": (2.0, "video"),
    "motion_2": (-2.0, "video"),
    "brightness": (0.3, "video"),
    "contrast": (2.0, "video"),
    "gamma": (0.5, "video"),
    "sharpen": (2.0, "video"),
    "fps": (20, "player"),
    "seed_b": (50, "state"),
    "mix_mode": ("motion", "state"),
    "export_format": ("gif", "state"),
}


def test_every_control_is_covered(studio):
    assert set(studio.controls) == set(CHANGES) | {"mix", "prompt"}


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_each_control_changes_the_clip_or_the_state(studio, name):
    value, what = CHANGES[name]
    before_video, before_html = studio.current_video.copy(), studio.player_view.value
    before_settings = studio.settings()
    studio.controls[name].value = value
    assert studio.message.value == "", studio.message.value
    if what == "video":
        after = studio.current_video
        assert after.shape != before_video.shape or not np.array_equal(after, before_video)
        assert studio.player_view.value != before_html
    elif what == "player":  # frames/s: same frames, a new player and play interval
        assert np.array_equal(studio.current_video, before_video)
        assert studio.player_view.value != before_html and studio.play.interval == 50
    elif name == "export_format":
        path = studio.export()
        assert path.endswith(".gif") and "download" in studio.export_link.value
    else:
        assert studio.settings() != before_settings


@pytest.mark.parametrize("mode", ["content", "motion", "both"])
def test_interpolation_moves_from_seed_a_to_seed_b(studio, mode):
    c = studio.controls
    c["mix_mode"].value = mode
    a = studio.current_video.copy()
    b = studio.space.render(Settings(seed=c["seed_b"].value, label=c["class"].value))
    c["mix"].value = 1.0
    mixed = studio.current_video
    assert not np.array_equal(mixed, a)
    assert np.array_equal(mixed, b) == (mode == "both")  # one part stays seed A's otherwise


def test_the_same_seed_gives_the_same_clip_and_more_frames_extend_it(studio):
    space = studio.space
    a = space.render(Settings(seed=4, label=2))
    assert np.array_equal(a, space.render(Settings(seed=4, label=2)))
    longer = space.render(Settings(seed=4, label=2, frames=40))
    assert longer.shape[0] == 40 and np.array_equal(longer[:16], a)


def test_default_settings_reproduce_the_generator(studio):
    """The studio's decode is MoCoGANGenerator.forward when no direction is moved."""
    space, g = studio.space, studio.space.g
    z_c, eps = space.codes(Settings(seed=3, label=5))
    labels = torch.tensor([5])
    with torch.inference_mode():
        ours = space.decode(z_c[None], eps[None], labels)
        theirs = g(z_c[None], torch.zeros(1, studio.cfg.z_motion), eps[None], labels)
    torch.testing.assert_close(ours, theirs)


@pytest.mark.parametrize(
    "value, words",
    [(0, "frames must be between 1 and 256, got 0"), (-3, "got -3"), (10_000, "got 10000")],
)
def test_bad_frame_counts_show_a_message_and_keep_the_last_clip(studio, value, words):
    before = studio.current_video.copy()
    studio.controls["frames"].value = value
    assert words in studio.message.value and "vidgen-error" in studio.message.value
    assert np.array_equal(studio.current_video, before)
    studio.controls["frames"].value = 16  # and the studio recovers
    assert studio.message.value == ""


def test_an_unknown_prompt_word_is_named_in_the_studio(studio):
    studio.controls["prompt"].value = "a 3 flying left"
    assert "did not understand &#x27;flying&#x27;" in studio.message.value


def test_a_prompt_sets_the_class_and_a_seed_moving_that_way(studio):
    text = studio.apply_prompt("一个向左移动的3")
    assert studio.controls["class"].value == 3 and "moving left" in text
    vx, _ = velocity(studio.current_video)
    assert vx < -0.3  # measured on the clip on screen: it does move left


def test_two_digits_are_refused_with_the_reason(studio):
    with pytest.raises(UsageError, match="one digit per clip"):
        studio.apply_prompt("a 3 and a 7 moving left")


def test_find_seed_moving_reports_when_it_fails(studio):
    seed, speed, found = find_seed_moving(
        studio.space, Settings(label=1), "up", tries=1, min_speed=1e9
    )
    assert seed == 0 and not found


@pytest.mark.parametrize(
    "text, digits, direction",
    [
        ("a 3 moving left", (3,), "left"),
        ("the digit seven going up", (7,), "up"),
        ("一个向左移动的3", (3,), "left"),
        ("数字七向下", (7,), "down"),
        ("一个三", (3,), None),
        ("one 3", (3,), None),
        ("one moving right", (1,), "right"),
        ("A 3, moving LEFT!", (3,), "left"),
        ("a 3 and a 7", (3, 7), None),
    ],
)
def test_parse_prompt(text, digits, direction):
    p = parse_prompt(text)
    assert (p.digits, p.direction) == (digits, direction)


@pytest.mark.parametrize(
    "text, word", [("a 3 flying left", "flying"), ("一个跳舞的3", "跳舞"), ("3号", "号")]
)
def test_parse_prompt_names_the_unknown_word(text, word):
    with pytest.raises(UsageError, match=f"did not understand '{word}'"):
        parse_prompt(text)


@pytest.mark.parametrize("text", ["", "   ", "a 3 moving left and up"])
def test_parse_prompt_refuses_empty_and_contradictory_prompts(text):
    with pytest.raises(UsageError):
        parse_prompt(text)


def test_slerp_keeps_the_norm_of_orthogonal_unit_codes():
    a, b = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    mid = slerp(a, b, 0.5)
    torch.testing.assert_close(mid.norm(), torch.tensor(1.0))
    torch.testing.assert_close(slerp(a, b, 0.0), a)


def test_sharpen_is_the_unsharp_mask_and_defaults_change_nothing():
    frames = np.zeros((1, 5, 5, 1), np.uint8)
    frames[0, 2, 2] = 100  # one bright pixel: blur there is 100 * 4/16 = 25
    out = sharpen(frames, 1.0)
    assert out[0, 2, 2, 0] == 175  # 100 + 1 * (100 - 25)
    assert out[0, 2, 1, 0] == 0  # 0 + (0 - 12.5), clipped
    assert postprocess(frames) is frames


def test_gif_player_has_every_frame_and_loops():
    import io

    from PIL import Image

    frames = np.stack([np.full((8, 8, 1), 30 * i, np.uint8) for i in range(5)])
    im = Image.open(io.BytesIO(gif_bytes(frames, fps=10)))
    assert im.n_frames == 5 and im.info["loop"] == 0 and im.info["duration"] == 100


def test_a_bad_player_or_checkpoint_is_a_usage_error():
    with pytest.raises(UsageError, match="player"):
        GenerationStudio(player="webm")


# --- the flow model in the studio (chosen by its sample_options, not by name) ---------------
@pytest.fixture(scope="module")
def flow_studio(tmp_path_factory):
    studio = GenerationStudio(
        "pretrained-flow", out_dir=str(tmp_path_factory.mktemp("flow_exports")), threads=1
    )
    studio.defaults = {name: w.value for name, w in studio.controls.items()}
    return studio


@pytest.fixture
def flow(flow_studio):
    """The flow studio; afterwards every control back to its default and no message left."""
    yield flow_studio
    with flow_studio.hold():
        for name, value in flow_studio.defaults.items():
            flow_studio.controls[name].value = value
    assert flow_studio.message.value == "", flow_studio.message.value


def test_flow_studio_builds_with_steps_and_guidance(flow):
    from vidgen_edu.models import flow as flow_model

    c, cfg = flow.controls, flow.cfg
    assert (c["sampling_steps"].value, c["sampling_steps"].min, c["sampling_steps"].max) == (
        flow_model.DEFAULT_STEPS,
        1,
        16,
    )
    assert (c["guidance"].value, c["guidance"].min, c["guidance"].max) == (
        flow_model.DEFAULT_GUIDANCE,
        0,
        4,
    )
    assert flow.current_video.shape == (cfg.frames, cfg.size, cfg.size, cfg.channels)
    assert flow.current_video.std() > 0 and flow.message.value == ""
    assert not any(k.startswith(("content_", "motion_")) for k in c)  # no GANSpace directions


@pytest.mark.parametrize(
    "name, value", [("sampling_steps", 2), ("guidance", 1.0), ("seed", 7), ("class", 8)]
)
def test_flow_controls_change_the_clip(flow, name, value):
    before_video, before_html = flow.current_video.copy(), flow.player_view.value
    flow.controls[name].value = value
    assert flow.message.value == "", flow.message.value
    assert not np.array_equal(flow.current_video, before_video)
    assert flow.player_view.value != before_html


def test_flow_clip_is_the_generators_sample_of_that_seed(flow):
    c = flow.controls
    with flow.hold():
        c["seed"].value, c["class"].value, c["sampling_steps"].value = 11, 5, 2
        c["guidance"].value = 1.5
    g = flow.space.g
    with torch.inference_mode():
        video = g.sample(
            1,
            labels=torch.tensor([5]),
            generator=torch.Generator().manual_seed(11),
            steps=2,
            guidance=1.5,
        )
    from vidgen_edu.video import tensor_to_frames

    assert np.array_equal(flow.current_video, tensor_to_frames(video)[0])


def test_flow_studio_disables_the_gan_only_controls_and_says_why(flow):
    for name in ("truncation", "frames", "seed_b", "mix", "mix_mode"):
        assert flow.controls[name].disabled, name
    assert "pixel noise" in flow.note.value
    for name in ("seed", "class", "sampling_steps", "guidance", "brightness", "fps", "prompt"):
        assert not flow.controls[name].disabled, name


def test_flow_studio_shows_an_error_and_keeps_the_last_clip(flow):
    before = flow.current_video.copy()
    frames = flow.cfg.frames
    flow.controls["frames"].value = frames + 8  # set from code although the widget is disabled
    assert f"exactly {frames} frames" in flow.message.value
    assert "vidgen-error" in flow.message.value
    assert np.array_equal(flow.current_video, before)
    flow.controls["frames"].value = frames
    assert flow.message.value == ""
    flow.controls["prompt"].value = "a 3 moving left"
    assert "sets the class only" in flow.message.value
    flow.controls["prompt"].value = "一个7"
    assert flow.controls["class"].value == 7 and flow.message.value == ""


def test_flow_studio_post_processes_and_exports(flow):
    before = flow.current_video.copy()
    flow.controls["brightness"].value = 0.3
    assert not np.array_equal(flow.current_video, before)
    flow.controls["export_format"].value = "gif"
    path = flow.export()
    assert path.endswith(".gif") and "download" in flow.export_link.value
