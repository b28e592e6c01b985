"""The commands: synchronous by default (with a progress bar), --background leaves it to a worker."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.domain.worked_example import WORKED_EXAMPLE


def test_export_in_the_background_is_written_by_the_job(app, runner, org):
    result = runner.invoke(args=["export-scorecard", "--quarter", "2026Q2", "--background"])
    assert result.exit_code == 0, result.output
    assert "Job 1 queued: Scorecard 2026Q2 — All teams" in result.output
    assert (Path(app.config["EXPORT_DIR"]) / "scorecard-2026Q2.xlsx").is_file()
    listed = runner.invoke(args=["jobs", "list"])
    assert "export" in listed.output and "done" in listed.output


def test_background_export_refuses_a_folder_the_workers_do_not_write(runner, org, tmp_path):
    result = runner.invoke(
        args=[
            "export-scorecard",
            "--quarter",
            "2026Q2",
            "--background",
            "--out",
            str(tmp_path / "x.xlsx"),
        ]
    )
    assert result.exit_code == 2
    assert "--background writes into EXPORT_DIR" in result.output


@pytest.mark.workers
def test_import_in_the_background_returns_before_a_worker_runs_it(runner, org, workers):
    result = runner.invoke(args=["import-decisions", str(WORKED_EXAMPLE), "--background"])
    assert result.exit_code == 0, result.output
    assert "Job 1 queued: Import of worked-example.csv" in result.output
    assert "queued" in runner.invoke(args=["jobs", "list"]).output
    workers.start()
    workers.wait_for(lambda: " done " in runner.invoke(args=["jobs", "list"]).output, "the import")
    listed = runner.invoke(args=["jobs", "list"]).output
    assert "attempts 1/3" in listed
    again = runner.invoke(args=["import-decisions", str(WORKED_EXAMPLE)])  # synchronous
    assert "0 created, 0 updated, 5 left unchanged" in again.output
