"""DP-SGD of the discriminator: the accounting, the sensitivity of an update, the budget, the CLI."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from dataclasses import replace

import pytest
import torch

from vidgen_edu.data.fixed import FixedDigits
from vidgen_edu.errors import ConfigError
from vidgen_edu.privacy import accounting
from vidgen_edu.privacy.dpgan import PrivateVideoGAN
from vidgen_edu.privacy.train import calibrated, check_budget, private_run
from vidgen_edu.threads import one_thread


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "vidgen_edu", *args], capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    """``dp-train --target-epsilon 3 --delta 1e-5 --profile smoke``: the issue's own command."""
    out = tmp_path_factory.mktemp("dp") / "run"
    done = cli(
        "dp-train",
        "--target-epsilon",
        "3",
        "--delta",
        "1e-5",
        "--profile",
        "smoke",
        "--out",
        str(out),
        "--no-progress",
    )
    assert done.returncode == 0, done.stderr
    return out, done


def test_dp_train_writes_privacy_json_within_the_budget(smoke_run):
    out, done = smoke_run
    rec = json.loads((out / "privacy.json").read_text())
    for key in (
        "epsilon",
        "delta",
        "noise_multiplier",
        "sample_rate",
        "steps",
        "max_grad_norm",
        "accountant",
        "dataset_size",
        "unit",
    ):
        assert key in rec, key
    assert 0 < rec["epsilon"] <= 3.0
    assert rec["delta"] == 1e-5 < 1 / rec["dataset_size"]
    assert rec["steps"] == rec["generator_steps"] * rec["n_critic"]
    assert "epsilon" in done.stdout and "privacy.json" in done.stdout


def test_epsilon_agrees_with_googles_dp_accounting_within_2_percent(smoke_run):
    rec = json.loads((smoke_run[0] / "privacy.json").read_text())
    args = (rec["noise_multiplier"], rec["sample_rate"], rec["steps"], rec["delta"])
    independent = accounting.epsilon_dp_accounting(*args, pld=rec["accountant"] == "prv")
    assert abs(rec["epsilon"] - independent) <= 0.02 * independent
    rdp = accounting.epsilon_dp_accounting(*args, pld=False)
    assert abs(rec["epsilon_rdp"] - rdp) <= 0.02 * rdp


def test_a_resume_beyond_the_budget_is_refused_and_says_what_remains(smoke_run):
    out, _ = smoke_run
    before = (out / "last.pt").read_bytes()
    done = cli("dp-train", "--out", str(out), "--resume", "--steps", "200")
    assert done.returncode == 2
    line = done.stderr.strip().splitlines()[-1]
    assert "budget" in line and "remain" in line and "Traceback" not in done.stderr
    assert (out / "last.pt").read_bytes() == before  # nothing written


def test_calibrated_noise_spends_the_target_and_no_more():
    run = calibrated(private_run("smoke", 3.0, 1e-5, ["train.steps=200"]))
    q, steps = run.train.batch / run.data.clips, 200
    eps = accounting.epsilon(run.privacy.noise_multiplier, q, steps, 1e-5)
    assert 2.9 <= eps <= 3.0
    check_budget(run)  # the planned run fits
    longer = replace(run, train=replace(run.train, steps=400))
    with pytest.raises(ConfigError, match="remain"):
        check_budget(longer, reached=200)


@pytest.mark.parametrize(
    "override, words",
    [
        ("data.clips=0", "fixed set"),
        ("privacy.delta=0.01", "not below 1/256"),
        ("model.spectral_norm=True", "spectral_norm=False"),
        ("train.r1=1.0", "r1 must be 0"),
    ],
)
def test_a_private_run_that_could_not_be_private_is_refused(override, words):
    with pytest.raises(ConfigError, match=words):
        private_run("smoke", 3.0, 1e-5, [override])


def test_group_privacy_weakens_the_guarantee_k_fold():
    assert accounting.group_privacy(1.0, 1e-5, 1) == (1.0, 1e-5)
    eps, delta = accounting.group_privacy(1.0, 1e-5, 3)
    assert eps == 3.0 and delta == pytest.approx(3 * math.exp(2) * 1e-5)


# -- the update: only the clipped, noised real half depends on a private record ----------------


def tiny_private_gan(mode: str, clips: FixedDigits, noise: float = 0.0):
    run = private_run("smoke", 3.0, 1e-5, [f"privacy.grad_sample_mode={mode}"])
    run = replace(run, privacy=replace(run.privacy, noise_multiplier=noise))
    torch.manual_seed(0)
    return PrivateVideoGAN(run.model, clips, run.privacy, batch=run.train.batch), run


def update_of(model, real, seed: int = 0) -> torch.Tensor:
    """The discriminator update's gradient (real half + fake half), flattened."""
    gen = torch.Generator().manual_seed(seed)
    noisy, _ = model.private_real_gradient(real, gen)
    fake, labels = model.fake_batch(8, torch.Generator().manual_seed(seed + 1))
    fake_grads, _ = model.fake_gradient(fake, labels, torch.Generator().manual_seed(seed + 2))
    return torch.cat([(a + b).flatten() for a, b in zip(noisy, fake_grads, strict=True)])


@pytest.mark.parametrize("mode", ["hooks", "ghost"])
def test_one_record_moves_the_update_by_at_most_c_over_the_expected_batch(mode):
    """Neighbouring datasets (one clip removed, or one added) with the same randomness: the
    updates differ by at most C / (q N), the sensitivity the Gaussian noise is calibrated to
    (add/remove neighbours, as Poisson subsampling's accounting assumes); the fake half adds
    nothing, whatever it is."""
    data = FixedDigits(size=16, frames=8, clips=32, seed=0)
    with one_thread():
        model, run = tiny_private_gan(mode, data)
        batch = data.take(torch.arange(6))
        a = update_of(model, batch)
        moves = [
            float((update_of(model, data.take(torch.tensor(keep))) - a).norm())
            for keep in ([1, 2, 3, 4, 5], [0, 1, 2, 3, 4])
        ]  # one record removed
        for extra in (torch.zeros_like(batch.video[:1]), -batch.video[:1]):  # one added
            bigger = data.take(torch.arange(7))
            bigger.video[6:] = extra
            moves.append(float((update_of(model, bigger) - a).norm()))
    bound = run.privacy.max_grad_norm / model.expected_batch
    assert max(moves) <= bound * (1 + 1e-4)
    assert max(moves) > 0.1 * bound  # a record does reach the update


def test_ghost_clipping_gives_the_same_clipped_sum_as_per_sample_gradients():
    data = FixedDigits(size=16, frames=8, clips=32, seed=0)
    with one_thread():
        sums = []
        for mode in ("hooks", "ghost"):
            model, _ = tiny_private_gan(mode, data)
            real = data.take(torch.arange(8))
            total, _ = model.private_real_gradient(real, torch.Generator().manual_seed(3))
            sums.append(torch.cat([t.flatten() for t in total]))
    assert torch.allclose(sums[0], sums[1], rtol=1e-3, atol=1e-6)


def test_the_fake_half_reads_no_private_record():
    data = FixedDigits(size=16, frames=8, clips=32, seed=0)
    other = FixedDigits(size=16, frames=8, clips=32, seed=5)  # entirely different records
    with one_thread():
        grads = []
        for d in (data, other):
            model, _ = tiny_private_gan("ghost", d)
            fake, labels = model.fake_batch(8, torch.Generator().manual_seed(1))
            g, _ = model.fake_gradient(fake, labels, torch.Generator().manual_seed(2))
            grads.append(torch.cat([x.flatten() for x in g]))
    assert torch.equal(grads[0], grads[1])


def test_the_noise_has_the_calibrated_scale():
    """With every clip's gradient dropped (an empty batch), the update is pure noise / (q N)."""
    data = FixedDigits(size=16, frames=8, clips=32, seed=0)
    model, run = tiny_private_gan("ghost", data, noise=2.0)
    empty = data.take(torch.arange(0))
    noisy, _ = model.private_real_gradient(empty, torch.Generator().manual_seed(0))
    flat = torch.cat([t.flatten() for t in noisy])
    expected_std = 2.0 * run.privacy.max_grad_norm / model.expected_batch
    assert float(flat.std()) == pytest.approx(expected_std, rel=0.05)


def test_the_private_state_dict_is_the_plain_gans():
    from vidgen_edu.models import build_model

    data = FixedDigits(size=16, frames=8, clips=32, seed=0)
    model, run = tiny_private_gan("ghost", data)
    plain = build_model(run.model)
    plain.load_state_dict(model.state_dict(), strict=True)


def test_audit_prints_the_statistics_of_a_private_run(smoke_run):
    out, _ = smoke_run
    done = cli("audit", "--checkpoint", str(out), "--n", "40", "--n-generated", "16", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    for key in (
        "auc",
        "tpr_at_1pct_fpr",
        "epsilon_lower_bound",
        "attack",
        "n_members",
        "n_nonmembers",
    ):
        assert key in result
    assert result["n_members"] == result["n_nonmembers"] == 40
    assert {a["attack"] for a in result["attacks"]} == {"logan", "gan-leaks"}
    assert result["private"] is True


def test_audit_refuses_a_run_without_members(tmp_path):
    done = cli(
        "train", "--profile", "smoke", "--steps", "2", "--out", str(tmp_path / "r"), "--no-progress"
    )
    assert done.returncode == 0, done.stderr
    done = cli("audit", "--checkpoint", str(tmp_path / "r"), "--json")
    assert done.returncode == 2 and "fixed set" in done.stderr


def test_private_flow_clips_each_clips_averaged_gradient():
    """DPDM's noise multiplicity: a clip's K draws make ONE per-sample gradient (vmap), equal to
    the gradient of its averaged loss computed alone; the clipped sum is bounded by C per clip."""
    from vidgen_edu.privacy.dpflow import PrivateVideoFlow

    run = private_run("smoke", 10.0, 1e-5, ["model.name=flow", "model.flow_width=8"])
    run = replace(run, privacy=replace(run.privacy, noise_multiplier=1.0, max_grad_norm=1e9))
    data = FixedDigits(size=16, frames=8, clips=32, seed=0)
    with one_thread():
        torch.manual_seed(0)
        model = PrivateVideoFlow(run.model, data, run.privacy, batch=8, multiplicity=3)
        real = data.take(torch.arange(2))
        vmapped = model.clipped_sum(real, torch.Generator().manual_seed(4))  # no clipping at 1e9
        gen = torch.Generator().manual_seed(4)  # the same draws, one clip at a time
        params = dict(model.generator.named_parameters())
        noise = torch.randn((2, 3, *real.video.shape[1:]), generator=gen)
        from vidgen_edu.models.flow import drop_labels, logit_normal

        t = logit_normal(6, generator=gen).reshape(2, 3)
        drop = drop_labels(torch.zeros(2, 3, dtype=torch.long), 0.1, 1, gen).bool()
        alone = [torch.zeros_like(p) for p in params.values()]
        for i in range(2):
            loss = model.clip_loss(params, real.video[i], real.labels[i], noise[i], t[i], drop[i])
            for a, g in zip(alone, torch.autograd.grad(loss, list(params.values())), strict=True):
                a += g
    for v, a in zip(vmapped, alone, strict=True):
        assert torch.allclose(v, a, rtol=1e-4, atol=1e-6)
    clipped = replace(run.privacy, max_grad_norm=0.5)
    model.privacy = clipped
    total = model.clipped_sum(real, torch.Generator().manual_seed(4))
    assert float(torch.cat([x.flatten() for x in total]).norm()) <= 2 * 0.5 * (1 + 1e-4)
