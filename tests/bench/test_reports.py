"""Saved reports: four files that parse back, private, only under the reports directory, never replaced."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mcp_server_openrouter.bench import BenchmarkReport, BenchService, plan_benchmark
from mcp_server_openrouter.bench.chart import svg_chart
from mcp_server_openrouter.bench.report import render_csv
from mcp_server_openrouter.bench.reports import list_reports, read_report, save_report
from mcp_server_openrouter.errors import InvalidArgumentError
from mcp_server_openrouter.simulator import Fault, Simulator

from .helpers import FAST, OTHER, chat_bodies

pytestmark = pytest.mark.anyio

SVG = "{http://www.w3.org/2000/svg}"
NOW = 1_800_000_000.0  # 2027-01-15 08:00:00 UTC


@pytest.fixture
async def report(service: BenchService, simulator: Simulator) -> BenchmarkReport:
    simulator.add_fault(Fault(model=OTHER, status=400, body={"error": {"message": "bad day", "code": 400}}))
    return await service.benchmark(plan_benchmark(models=[FAST, OTHER], prompt="Say hi", runs=2))


async def test_a_saved_report_is_markdown_json_csv_and_an_svg_chart_that_parse_back(
    report: BenchmarkReport, tmp_path: Path
) -> None:
    saved = save_report(report, tmp_path / "reports", now=NOW)
    assert saved.name == "20270115-080000-gpt-4o-mini-vs-gpt-4-1-nano"
    assert saved.uri == f"openrouter://reports/{saved.name}"
    files = {kind: Path(path) for kind, path in saved.files.items()}
    assert sorted(p.name for p in Path(saved.directory).iterdir()) == [
        "chart.svg",
        "report.json",
        "report.md",
        "runs.csv",
    ]

    data = json.loads(files["json"].read_text())
    assert BenchmarkReport.model_validate(data).models == report.models
    assert data["saved"]["uri"] == saved.uri and data["total_cost_usd"] == report.total_cost_usd

    rows = list(csv.DictReader(io.StringIO(files["csv"].read_text())))
    assert [(row["model"], row["run"], row["ok"]) for row in rows] == [
        (FAST, "1", "True"),
        (FAST, "2", "True"),
        (OTHER, "1", "False"),
        (OTHER, "2", "True"),
    ]
    assert float(rows[0]["cost_usd"]) == report.runs[0].cost_usd and "bad day" in rows[2]["error"]

    root = ET.fromstring(files["chart"].read_bytes())
    assert root.tag == f"{SVG}svg"
    labels = [text.text for text in root.iter(f"{SVG}text")]
    assert labels.count(FAST) == 3 and labels.count(OTHER) == 3  # one row in each of the three panels
    assert len(list(root.iter(f"{SVG}rect"))) >= 1 + 2 * 2 + 2 + 2  # background, latency in two parts, …

    markdown = files["markdown"].read_text()
    assert markdown.startswith("# Benchmark of 2 models") and f"| {FAST} | 2/2 |" in markdown
    assert f"| {OTHER} | 1/2 |" in markdown and "bad day" in markdown


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
async def test_saved_files_are_private_in_private_folders(report: BenchmarkReport, tmp_path: Path) -> None:
    saved = save_report(report, tmp_path / "reports")
    assert stat.S_IMODE((tmp_path / "reports").stat().st_mode) == 0o700
    assert stat.S_IMODE(Path(saved.directory).stat().st_mode) == 0o700
    assert {stat.S_IMODE(Path(path).stat().st_mode) for path in saved.files.values()} == {0o600}


@pytest.mark.parametrize("name", ["../../etc/cron.d/x", "a/b", "..\\..\\x", "..", ".hidden", "/tmp/x", "x\x00y"])
async def test_a_report_name_that_is_a_path_is_refused_and_nothing_is_written(
    report: BenchmarkReport, tmp_path: Path, name: str
) -> None:
    with pytest.raises(InvalidArgumentError, match="is a path; give a plain name"):
        save_report(report, tmp_path / "reports", name=name)
    assert not (tmp_path / "reports").exists() and sorted(tmp_path.rglob("*x*")) == []


async def test_a_given_name_is_reduced_to_a_safe_base_name(report: BenchmarkReport, tmp_path: Path) -> None:
    saved = save_report(report, tmp_path / "reports", name="Haiku vs. mini: round 2!", now=NOW)
    assert saved.name == "20270115-080000-Haiku-vs-mini-round-2"
    with pytest.raises(InvalidArgumentError, match="no letters or digits"):
        save_report(report, tmp_path / "reports", name="!!!")


async def test_reports_saved_in_the_same_second_never_replace_each_other(
    report: BenchmarkReport, tmp_path: Path
) -> None:
    names = [save_report(report, tmp_path / "reports", name="same", now=NOW).name for _ in range(3)]
    assert names == ["20270115-080000-same", "20270115-080000-same-2", "20270115-080000-same-3"]


async def test_reports_are_listed_newest_first_and_read_by_name_only(report: BenchmarkReport, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    older = save_report(report, reports, name="older", now=NOW)
    newer = save_report(report, reports, name="newer", now=NOW + 60)
    listed = list_reports(reports)
    assert [entry["name"] for entry in listed] == [newer.name, older.name]
    assert listed[0]["models"] == [FAST, OTHER] and listed[0]["files"]["chart"].endswith("chart.svg")
    assert read_report(reports, older.name).startswith("# Benchmark of 2 models")
    (tmp_path / "secret.md").write_text("not a report")
    for name in ("../secret", "..", "nothing-here"):
        with pytest.raises(InvalidArgumentError, match="report"):
            read_report(reports, name)


async def test_the_chart_escapes_what_it_is_given(report: BenchmarkReport) -> None:
    hostile = report.model_copy(
        update={"models": [report.models[0].model_copy(update={"model": 'x/<script>&"y"</script>'})]}
    )
    root = ET.fromstring(svg_chart(hostile).encode())
    assert 'x/<script>&"y"</script>' in [text.text for text in root.iter(f"{SVG}text")]
    assert list(root.iter(f"{SVG}script")) == []


async def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_quoted(report: BenchmarkReport) -> None:
    run = report.runs[0].model_copy(update={"error": '=HYPERLINK("http://evil")', "ok": False})
    rows = list(csv.DictReader(io.StringIO(render_csv(report.model_copy(update={"runs": [run]})))))
    assert rows[0]["error"].startswith("'=HYPERLINK")


async def test_a_report_that_cannot_be_written_is_still_returned_saying_why(
    service: BenchService, simulator: Simulator, tmp_path: Path
) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the reports directory should be")
    service.reports_dir = blocked / "reports"
    report = await service.benchmark(plan_benchmark(models=[FAST], prompt="Say hi"), save=True)
    assert report.saved is None and report.models[0].succeeded == 1
    assert report.notes and "could not be saved" in report.notes[0]
    assert len(chat_bodies(simulator)) == 1  # the paid run is in the answer, not lost
