"""The benchmark's import figures run (tiny scale): dry run, commit (its memory measured in a
rolled-back pass first), then the same file all unchanged."""

import pytest

from bench.ledger_import import import_figures

pytestmark = pytest.mark.django_db


def test_import_figures_at_a_tiny_scale():
    figures = import_figures(0.001)
    assert figures["staff"] == 20
    assert figures["commit"].startswith("facilities: 2 created, 0 updated, 0 unchanged; staff: 20 created")
    assert figures["reimport"] == (
        "facilities: 0 created, 0 updated, 2 unchanged; staff: 0 created, 0 updated, 20 unchanged; errors: 0"
    )
    assert figures["dry_run_s"] > 0 and figures["dry_run_peak_python_mib"] > 0
    assert figures["commit_s"] > 0 and figures["commit_peak_python_mib"] > 0
