"""The seeded Monte Carlo and the tornado: determinism, the distributions (mode at the central value), and precision that grows with samples."""

import numpy as np
import pytest

from analysis import uncertainty as mc

RANGES = {
    "a": mc.Range(1.0, 10.0, 100.0),  # wide, symmetric in log space
    "b": mc.Range(2.0, 3.0, 4.0),  # narrow
    "c": mc.Range(5.0, 5.0, 5.0),  # fixed
}


def product(a, b, c):
    return a * b * c


def test_every_positive_range_is_drawn_on_the_log_scale_whatever_its_width():
    # One rule, so nothing switches when a range's high / low crosses a threshold (it used to at 3).
    assert RANGES["a"].log_scale and RANGES["b"].log_scale and RANGES["c"].fixed
    assert mc.Range(1.0, 2.0, 2.99).log_scale and mc.Range(1.0, 2.0, 3.01).log_scale
    assert not mc.Range(0.0, 0.5, 1.0).log_scale


def test_the_central_value_is_the_mode():
    # Log-triangular on (1, 10, 100): log10 x is triangular on (0, 1, 2), so its histogram peaks at 1 (the central 10)
    # and falls linearly to 0 at both ends; on (1, 2, 2) the density of log x rises all the way to log 2.
    logs = np.log10(mc.sample({"a": RANGES["a"]}, 400_000, 5)["a"])
    counts, edges = np.histogram(logs, bins=10, range=(0.0, 2.0))
    assert np.argmax(counts) in (4, 5)  # the two bins either side of log10(10) = 1
    expected = 400_000 * np.array([0.02, 0.06, 0.10, 0.14, 0.18, 0.18, 0.14, 0.10, 0.06, 0.02])  # triangle areas per 0.2-wide bin
    np.testing.assert_allclose(counts, expected, rtol=0.03)
    top = np.log(mc.sample({"x": mc.Range(1.0, 2.0, 2.0)}, 100_000, 5)["x"])
    assert np.mean(top > np.log(2) / 2) == pytest.approx(0.75, abs=0.005)  # F = (y / log 2)^2: 1 - 1/4 above the midpoint


def test_triangular_quantile_by_hand():
    # On (0, 1, 4): F(1) = 1/4; u = 1/16 -> sqrt(1/16 × 4 × 1) = 0.5; u = 3/4 -> 4 - sqrt(1/4 × 4 × 3) = 4 - sqrt(3)
    x = mc.triangular_quantile(np.array([0.0, 1 / 16, 0.25, 0.75]), 0.0, 1.0, 4.0)
    np.testing.assert_allclose(x, [0.0, 0.5, 1.0, 4.0 - np.sqrt(3.0)])
    # mode at an end: all the way up (or down) is one triangle
    np.testing.assert_allclose(mc.triangular_quantile(np.array([0.25]), 0.0, 0.0, 1.0), [1.0 - np.sqrt(0.75)])
    np.testing.assert_allclose(mc.triangular_quantile(np.array([0.25]), 0.0, 1.0, 1.0), [0.5])


def test_a_discrete_input_takes_only_its_three_values():
    bytes_per_weight = mc.Range(1.0, 2.0, 2.0, discrete=True)  # fp8 or bf16, bf16 the sourced central value
    draws = mc.sample({"w": bytes_per_weight}, 100_000, 3)["w"]
    assert set(np.unique(draws)) == {1.0, 2.0}
    assert np.mean(draws == 2.0) == pytest.approx(0.75, abs=0.005)  # central 1/2 + high 1/4
    three = mc.sample({"w": mc.Range(1.0, 2.0, 4.0, discrete=True)}, 100_000, 3)["w"]
    assert [np.mean(three == v) for v in (1.0, 2.0, 4.0)] == pytest.approx([0.25, 0.5, 0.25], abs=0.005)


def test_a_small_change_of_a_range_moves_the_result_a_little():
    # A range that narrows by 0.6 % moves the median by well under 1 % (the old rule jumped 14 % at high / low = 3).
    near = [mc.monte_carlo(lambda x: x, {"x": mc.Range(low, 0.664 * low / 0.332, 1.0)}, 20_000, 1) for low in (0.332, 0.334)]
    assert near[1].median / near[0].median - 1 < 0.01


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
    assert draws["b"].min() >= 2.0 and draws["b"].max() <= 4.0
    # symmetric in log space about the central value: median 10, half the draws below it
    assert np.median(draws["a"]) == pytest.approx(10.0, rel=0.02)
    assert np.mean(np.log10(draws["a"]) < 1.0) == pytest.approx(0.5, abs=0.005)
    # (2, 3, 4) on the log scale: F(3) = log(3/2) / log(2) = 0.585 of the draws lie below 3
    assert np.mean(draws["b"] < 3.0) == pytest.approx(np.log(1.5) / np.log(2.0), abs=0.005)
    assert (draws["c"] == 5.0).all()


def test_percentiles_of_a_known_distribution():
    # Triangular on (0, 0.5, 1): F(x) = 2x² below 0.5, so the 5th percentile is sqrt(0.025) and the 95th 1 - sqrt(0.025)
    s = mc.monte_carlo(lambda x: x, {"x": mc.Range(0.0, 0.5, 1.0)}, 200_000, 3)
    edge = np.sqrt(0.025)
    assert (s.low, s.median, s.high) == pytest.approx((edge, 0.5, 1 - edge), abs=0.004)
    assert s.median_low <= s.median <= s.median_high


def test_same_seed_same_bits_through_the_whole_model():
    values = [mc.simulate(product, RANGES, 10_000, 2025) for _ in range(2)]
    assert values[0].tobytes() == values[1].tobytes()


def test_percentile_of():
    assert mc.percentile_of([1, 2, 3, 4], 2.5) == 50.0
    assert mc.percentile_of([1, 2, 3, 4], 1) == 12.5  # ties count half
    assert mc.percentile_of([1, 2, 3, 4], 0) == 0.0


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


def test_ends_a_rounding_error_apart_draw_the_value():
    # Their logarithms can round to the same number; the draw is then that value, not a division by zero.
    r = mc.Range(1e12, 1e12, float(np.nextafter(1e12, 2e12)))
    draws = mc.sample({"x": r}, 10, 0)["x"]
    assert ((draws >= r.low) & (draws <= r.high)).all()
