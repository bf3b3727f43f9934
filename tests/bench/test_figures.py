"""The figures of a benchmark, from clock readings and outcomes given exactly."""

from __future__ import annotations

from decimal import Decimal

from mcp_server_openrouter.bench.figures import model_figures, preview, rankings, total_cost
from mcp_server_openrouter.bench.runner import timings
from mcp_server_openrouter.client import RequestRecord

from .helpers import outcome


def record(sent: float, first_token: float | None, ended: float) -> RequestRecord:
    """A metering record whose clock readings the test chose (the client's injected monotonic clock)."""
    return RequestRecord(
        method="POST",
        path="/chat/completions",
        model="m",
        attempt=1,
        stream=True,
        sent=sent,
        first_byte=sent,
        first_token=first_token,
        ended=ended,
        status=200,
        error_kind=None,
        usage=None,
        cost=None,
        generation_id=None,
    )


def test_first_token_latency_and_throughput_come_from_the_requests_clock_readings() -> None:
    first, latency, throughput = timings(record(100.0, 100.25, 102.25), completion_tokens=80)
    assert (first, latency, throughput) == (0.25, 2.25, 40.0)  # 80 tokens in the 2 s after the first


def test_a_reply_without_a_token_or_time_after_it_has_no_throughput() -> None:
    assert timings(record(5.0, None, 6.0), completion_tokens=10) == (None, 1.0, None)
    assert timings(record(5.0, 6.0, 6.0), completion_tokens=10)[2] is None
    assert timings(record(5.0, 5.5, 6.0), completion_tokens=0)[2] is None


def test_a_models_figures_are_the_median_min_and_max_of_its_successful_runs() -> None:
    runs = [
        outcome("m", 1, first_token_s=0.3, latency_s=1.0, tokens_per_s=50.0, completion_tokens=40, cost=0.002),
        outcome("m", 2, first_token_s=0.1, latency_s=3.0, tokens_per_s=30.0, completion_tokens=44, cost=0.004),
        outcome("m", 3, first_token_s=0.2, latency_s=2.0, tokens_per_s=40.0, completion_tokens=42, cost=0.003),
    ]
    figures = model_figures("m", runs)
    assert figures.first_token_s is not None and figures.first_token_s.model_dump() == {
        "median": 0.2,
        "min": 0.1,
        "max": 0.3,
    }
    assert figures.latency_s is not None and (figures.latency_s.median, figures.latency_s.max) == (2.0, 3.0)
    assert figures.tokens_per_s is not None and figures.tokens_per_s.median == 40.0
    assert figures.cost_usd is not None and figures.cost_usd.median == 0.003
    assert figures.completion_tokens is not None and figures.completion_tokens.median == 42
    assert (figures.runs, figures.succeeded, figures.success_rate, figures.total_cost_usd) == (3, 3, 1.0, 0.009)


def test_failed_runs_count_in_the_success_rate_and_the_cost_but_not_in_the_timings() -> None:
    runs = [
        outcome("m", 1, first_token_s=0.5, latency_s=1.5, cost=0.001),
        outcome("m", 2, ok=False, latency_s=9.0, cost=0.0004, error="stream broke"),
    ]
    figures = model_figures("m", runs)
    assert figures.latency_s is not None and figures.latency_s.max == 1.5
    assert figures.success_rate == 0.5 and figures.errors == ["run 2: stream broke"]
    assert figures.total_cost_usd == 0.0014  # a broken stream is billed for what it generated


def test_a_model_whose_every_run_failed_has_no_timings_and_is_left_out_of_the_rankings() -> None:
    figures = model_figures("down", [outcome("down", ok=False, error="503")])
    assert figures.latency_s is None and figures.succeeded == 0 and figures.total_cost_usd is None
    assert rankings([figures]).fastest_total == []


def test_costs_add_up_exactly_as_decimals() -> None:
    runs = [outcome("m", n, cost=0.1) for n in range(1, 4)]
    assert total_cost(runs) == Decimal("0.3")  # 0.1 + 0.1 + 0.1 is 0.30000000000000004 in floats


def test_rankings_order_the_models_by_each_figure_and_best_value_adds_the_places() -> None:
    slow_cheap = model_figures(
        "slow-cheap", [outcome("slow-cheap", first_token_s=0.9, latency_s=3.0, tokens_per_s=20.0, cost=0.001)]
    )
    fast_dear = model_figures(
        "fast-dear", [outcome("fast-dear", first_token_s=0.1, latency_s=1.0, tokens_per_s=90.0, cost=0.010)]
    )
    middle = model_figures(
        "middle", [outcome("middle", first_token_s=0.5, latency_s=2.0, tokens_per_s=50.0, cost=0.002)]
    )
    ranked = rankings([slow_cheap, fast_dear, middle])
    assert [r.model for r in ranked.fastest_first_token] == ["fast-dear", "middle", "slow-cheap"]
    assert [r.model for r in ranked.fastest_total] == ["fast-dear", "middle", "slow-cheap"]
    assert [r.model for r in ranked.highest_throughput] == ["fast-dear", "middle", "slow-cheap"]
    assert [r.model for r in ranked.cheapest] == ["slow-cheap", "middle", "fast-dear"]
    # places: middle 2 + 2 = 4; slow-cheap 3 + 1 = 4 (a tie goes to the cheaper); fast-dear 1 + 3 = 4
    assert [(r.model, r.value) for r in ranked.best_value] == [("slow-cheap", 4), ("middle", 4), ("fast-dear", 4)]
    assert ranked.fastest_total[0].value == 1.0


def test_the_preview_is_the_first_lines_of_an_answer_and_stays_short() -> None:
    assert preview("\nFirst line.\n\nSecond.\nThird.\nFourth.") == "First line. / Second. / Third."
    assert len(preview("word " * 500)) == 300
