"""The chart module: accessible, deterministic SVG whose data table says what the cells say."""

from __future__ import annotations

import re
from types import SimpleNamespace
from xml.etree import ElementTree

import pytest

from surveys.charts import (
    Value,
    bar_chart,
    cell_value,
    distribution_chart,
    driver_chart,
    heatmap,
    largest_remainder,
    trend_chart,
)

SVG = "{http://www.w3.org/2000/svg}"


def parsed(chart):
    root = ElementTree.fromstring(str(chart.svg))
    return root


def texts(chart) -> list[str]:
    return [t.text for t in parsed(chart).iter(f"{SVG}text")]


def _heatmap(title="Favourable by school"):
    return heatmap(
        ["Oak <Primary> & Co", "Elm"], ["Workload", "Leadership"],
        [[Value.full(72, 18, 10, n=40), Value.banded(20, 40, n=7)],
         [Value.hidden("primary"), Value.hidden("complementary")]],
        title=title, k=5,
    )


def every_chart():
    return [
        _heatmap(),
        bar_chart([("I can manage my workload", Value.full(61, 20, 19, n=80)), ("Hidden", Value.hidden("primary")),
                   ("Small", Value.banded(0, 20))], title="Items", k=5),
        trend_chart([("Organisation", [Value.full(50, 30, 20), Value.hidden("primary"), Value.full(58, 22, 20)]),
                     ("Oak", [Value.full(40, 30, 30), Value.banded(60, 60), Value.full(45, 30, 25)])],
                    waves=["2023", "2024", "2025"], title="Trend", k=5),
        distribution_chart(Value.full(60, 20, 20, n=20, distribution=[2, 2, 4, 6, 6]),
                           labels=["Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree"],
                           title="Answers", k=5),
        driver_chart([("Workload", 0.41), ("Leadership", 0.3)], title="Drivers"),
    ]


@pytest.mark.parametrize("index", range(5))
def test_every_chart_is_an_accessible_image_with_title_and_description(index):
    chart = every_chart()[index]
    root = parsed(chart)
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text == chart.title and desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    markup = str(chart.svg)
    assert "<script" not in markup and "@font-face" not in markup and "href" not in markup


def test_charts_are_deterministic_and_differ_when_their_data_does():
    assert [str(c.svg) for c in every_chart()] == [str(c.svg) for c in every_chart()]
    assert [c.table for c in every_chart()] == [c.table for c in every_chart()]
    assert str(_heatmap("A").svg) != str(_heatmap("B").svg)


def test_labels_are_escaped():
    chart = _heatmap()
    assert "Oak &lt;Primary&gt; &amp; Co" in str(chart.svg)
    assert "Oak <Primary> & Co" in texts(chart)


def test_heatmap_prints_values_bands_and_fewer_than_k_and_its_table_matches():
    chart = _heatmap()
    shown = texts(chart)
    assert "72%" in shown and "20–40 %" in shown
    assert shown.count("fewer than 5") == 2
    assert chart.table.columns == ("", "Workload", "Leadership")
    assert chart.table.rows == (("Oak <Primary> & Co", "72%", "20–40 %"), ("Elm", "fewer than 5", "fewer than 5"))


def test_a_hidden_bar_reads_fewer_than_k_and_draws_no_bar():
    chart = bar_chart([("Hidden item", Value.hidden("primary"))], title="Items", k=7)
    root = parsed(chart)
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("y") and float(r.get("y")) > 30]
    assert bars == []
    assert "fewer than 7" in texts(chart)
    assert chart.table.rows == (("Hidden item", "fewer than 7", "", "", ""),)


def test_a_full_bar_is_split_in_proportion_and_prints_its_value():
    chart = bar_chart([("Item", Value.full(50, 25, 25, n=40))], title="Items", k=5)
    widths = [float(r.get("width")) for r in parsed(chart).iter(f"{SVG}rect") if float(r.get("y")) > 30]
    assert widths == [115, 57.5, 57.5]
    assert "50%" in texts(chart)
    assert chart.table.rows == (("Item", "50%", "25%", "25%", "40"),)


def test_a_trend_leaves_a_gap_where_a_wave_is_hidden():
    chart = trend_chart([("Organisation", [Value.full(50), Value.hidden("primary"), Value.full(60), Value.full(70)])],
                        waves=["2022", "2023", "2024", "2025"], title="Trend", k=5)
    lines = [p.get("points").split() for p in parsed(chart).iter(f"{SVG}polyline")]
    assert len(lines) == 1 and len(lines[0]) == 2  # 2024-2025 joined; 2022 stands alone
    assert chart.table.rows == (("Organisation", "50%", "fewer than 5", "60%", "70%"),)
    with pytest.raises(ValueError):
        trend_chart([("x", [Value.full(1)])], waves=["a", "b"], title="t", k=5)


def test_a_distribution_shows_shares_summing_to_100_only_for_a_full_value():
    chart = distribution_chart(Value.full(60, 20, 20, n=3, distribution=[1, 1, 1, 0, 0]),
                               labels=list("abcde"), title="Answers", k=5)
    assert chart.table.rows == (("a", "34%", "1"), ("b", "33%", "1"), ("c", "33%", "1"), ("d", "0%", "0"),
                                ("e", "0%", "0"))
    banded = distribution_chart(Value.banded(80, 100), labels=list("abcde"), title="Answers", k=5)
    assert banded.table.rows == (("% favourable", "80 % or more", ""),)
    assert not any(re.search(r"\d+%", t) for t in texts(banded))
    hidden = distribution_chart(Value.hidden("primary"), labels=list("abcde"), title="Answers", k=5)
    assert "fewer than 5" in str(hidden.svg) and not any(re.search(r"\d", t) for t in texts(hidden) if "fewer" not in t)


def test_largest_remainder_sums_to_100():
    for counts in ([1, 1, 1], [3, 3, 3, 1], [7, 0, 0, 0, 0], [1, 2, 3, 4, 5]):
        assert sum(largest_remainder(counts)) == 100


def test_cell_value_reads_what_a_cell_discloses_and_nothing_more():
    full = SimpleNamespace(disclosure="full", pct_favourable=70, pct_neutral=20, pct_unfavourable=10, n=30,
                           distribution={"1": 1, "2": 2, "3": 6, "4": 11, "5": 10})
    assert cell_value(full) == Value.full(70, 20, 10, n=30, distribution=[1, 2, 6, 11, 10])
    banded = SimpleNamespace(disclosure="banded", favourable_band_low=0, favourable_band_high=20, n=6)
    assert cell_value(banded) == Value.banded(0, 20, n=6)
    suppressed = SimpleNamespace(disclosure="suppressed", suppression="complementary")
    assert cell_value(suppressed) == Value.hidden("complementary")
    assert cell_value(None) == Value.hidden("no_results")


def test_a_trend_can_name_its_waves_in_the_series():
    pairs = trend_chart([("Organisation", [("2024", Value.full(50)), ("2025", Value.full(60))])], title="T", k=5)
    listed = trend_chart([("Organisation", [Value.full(50), Value.full(60)])], waves=["2024", "2025"], title="T", k=5)
    assert pairs == listed
    with pytest.raises(ValueError):
        trend_chart([("a", [("2024", Value.full(1))]), ("b", [("2025", Value.full(1))])], title="T", k=5)
