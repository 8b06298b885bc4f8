"""The seeded Monte Carlo and the tornado: determinism, the sampling rules, and precision that grows with samples."""

import numpy as np
import pytest

from analysis import uncertainty as mc

RANGES = {
    "a": mc.Range(1.0, 10.0, 100.0),  # high / low = 100: log-uniform
    "b": mc.Range(2.0, 3.0, 4.0),  # high / low = 2: uniform
    "c": mc.Range(5.0, 5.0, 5.0),  # fixed
}


def product(a, b, c):
    return a * b * c


def test_sampling_rule_follows_the_ratio():
    assert RANGES["a"].log_uniform and not RANGES["b"].log_uniform and RANGES["c"].fixed
    assert not mc.Range(1.0, 2.0, 3.0).log_uniform  # exactly 3 is not above 3


def test_range_must_be_ordered():
    with pytest.raises(ValueError, match="low <= central <= high"):
        mc.Range(2.0, 1.0, 3.0)


def test_same_seed_same_numbers_other_seed_other_numbers():
    first, again, other = (mc.sample(RANGES, 1000, s) for s in (7, 7, 8))
    for name in RANGES:
        np.testing.assert_array_equal(first[name], again[name])
    assert not np.array_equal(first["a"], other["a"])
    assert mc.monte_carlo(product, RANGES, 5000, 7) == mc.monte_carlo(product, RANGES, 5000, 7)


def test_an_inputs_draws_do_not_depend_on_the_other_inputs():
    alone = mc.sample({"a": RANGES["a"]}, 1000, 7)["a"]
    np.testing.assert_array_equal(alone, mc.sample(RANGES, 1000, 7)["a"])


def test_draws_stay_in_range_and_follow_their_distribution():
    draws = mc.sample(RANGES, 200_000, 1)
    assert draws["a"].min() >= 1.0 and draws["a"].max() <= 100.0
    assert np.median(draws["a"]) == pytest.approx(10.0, rel=0.02)  # log-uniform: geometric midpoint
    assert np.mean(np.log10(draws["a"]) < 1.0) == pytest.approx(0.5, abs=0.005)
    assert np.mean(draws["b"]) == pytest.approx(3.0, abs=0.005)  # uniform: arithmetic midpoint
    assert (draws["c"] == 5.0).all()


def test_percentiles_of_a_known_distribution():
    # Uniform on [0, 1]: median 0.5, 5th and 95th percentiles 0.05 and 0.95
    s = mc.monte_carlo(lambda x: x, {"x": mc.Range(0.0, 0.5, 1.0)}, 200_000, 3)
    assert (s.low, s.median, s.high) == pytest.approx((0.05, 0.5, 0.95), abs=0.004)
    assert s.median_low <= s.median <= s.median_high


def test_the_median_estimate_gets_more_precise_with_more_samples():
    # The median's interval narrows as 1/sqrt(n): 100× the samples, about a tenth of the width.
    width = {}
    for n in (1_000, 100_000):
        s = mc.monte_carlo(product, RANGES, n, 11)
        width[n] = s.median_high - s.median_low
        assert s.median_low < s.median < s.median_high
    assert width[100_000] < 0.2 * width[1_000]


def test_percentiles_agree_across_seeds_more_closely_with_more_samples():
    def spread(n):
        highs = [mc.monte_carlo(product, RANGES, n, seed).high for seed in range(10)]
        return np.std(highs) / np.mean(highs)

    assert spread(100_000) < 0.5 * spread(1_000)


def test_all_fixed_inputs_give_a_point():
    s = mc.monte_carlo(product, {"a": mc.Range(2, 2, 2), "b": mc.Range(3, 3, 3), "c": mc.Range(5, 5, 5)}, 100, 0)
    assert s.low == s.median == s.high == 30


@pytest.mark.parametrize("bad", [0, -5, 1.5, True, "100"])
def test_bad_sample_counts_name_samples(bad):
    with pytest.raises(ValueError, match=r"^samples: got .*; allowed: a whole number >= 1$"):
        mc.monte_carlo(product, RANGES, bad, 1)


def test_bad_seed_names_seed():
    with pytest.raises(ValueError, match=r"^seed: got -1"):
        mc.sample(RANGES, 10, -1)


def test_tornado_moves_one_input_at_a_time_and_sorts_by_swing():
    rows = mc.tornado(product, RANGES)
    assert [r.input for r in rows] == ["a", "b", "c"]
    a, b, c = rows
    assert (a.output_at_low, a.output_at_high) == (1 * 3 * 5, 100 * 3 * 5)
    assert (b.output_at_low, b.output_at_high) == (10 * 2 * 5, 10 * 4 * 5)
    assert c.swing == 0
    assert mc.central_value(product, RANGES) == 150
