"""The cost count and the checkerboard measure that notebook 02 adds to foundations.conv."""

import pytest
import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from vidgen_edu.errors import UsageError
from vidgen_edu.foundations.conv import conv2d_multiply_adds, nyquist_energy_fraction


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "stride", "padding"),
    [
        ((2, 3, 9, 10), (4, 3, 3, 3), 2, 1),
        ((1, 1, 8, 8), (5, 1, 1, 1), 1, 0),
        ((3, 2, 7, 5), (2, 2, 4, 2), 3, 2),
    ],
)
def test_multiply_adds_match_torchs_flop_counter(x_shape, w_shape, stride, padding):
    x = torch.randn(x_shape, requires_grad=True)
    w = torch.randn(w_shape, requires_grad=True)
    with FlopCounterMode(display=False) as forward:
        y = F.conv2d(x, w, stride=stride, padding=padding)
    with FlopCounterMode(display=False) as backward:
        y.sum().backward()
    count = conv2d_multiply_adds(x_shape, w_shape, stride=stride, padding=padding)
    assert 2 * count["forward"] == forward.get_total_flops()  # one multiply-add = 2 flops
    assert 2 * (count["grad_input"] + count["grad_weight"]) == backward.get_total_flops()


def test_multiply_adds_count_every_product_of_the_definition():
    # the definition's loops: one product per output element and kernel tap
    count = conv2d_multiply_adds((2, 3, 6, 6), (4, 3, 3, 3))
    assert count["forward"] == 2 * 4 * 4 * 4 * 3 * 3 * 3


def test_a_two_pixel_checkerboard_is_all_nyquist_and_a_smooth_ramp_is_not():
    rows, cols = torch.meshgrid(torch.arange(8), torch.arange(10), indexing="ij")
    checker = ((rows + cols) % 2).double() * 2 - 1  # +1 / -1, mean zero
    assert nyquist_energy_fraction(checker) == pytest.approx(1.0)
    ramp = torch.outer(torch.hann_window(8, periodic=False), torch.hann_window(10, periodic=False))
    assert nyquist_energy_fraction(ramp) < 1e-3
    assert nyquist_energy_fraction(torch.zeros(4, 4)) == 0.0


def test_nyquist_energy_of_noise_is_the_share_of_frequencies_on_the_nyquist_lines():
    noise = torch.randn(
        200, 16, 16, generator=torch.Generator().manual_seed(0), dtype=torch.float64
    )
    share = (16 + 16 - 1) / (16 * 16)  # white noise spreads its energy evenly over frequencies
    assert nyquist_energy_fraction(noise) == pytest.approx(share, rel=0.05)


def test_nyquist_energy_refuses_odd_sizes():
    with pytest.raises(UsageError, match="even height and width"):
        nyquist_energy_fraction(torch.zeros(5, 4))
