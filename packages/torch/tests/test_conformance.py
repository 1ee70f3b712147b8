"""PyTorch's own test databases as CI: no entry may mismatch (other numbers, shapes or dtypes
than torch), and no committed coverage count may drop (conformance/coverage.json).

Runs the harnesses of conformance/ once (the oracle session only: needs torch and expecttest).
Regenerate CONFORMANCE.md and the counts with conformance/report.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch", reason="the conformance harness needs PyTorch as its oracle")
pytest.importorskip("expecttest", reason="torch.testing._internal needs expecttest")

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from conformance import report  # noqa: E402  (after the path and the skips above)

KNOWN = json.loads((HERE / "conformance" / "known_mismatches.json").read_text())


@pytest.fixture(scope="module")
def results():
    return report.collect()


def test_no_entry_mismatches_pytorch(results):
    wrong = [f"{harness}: {entry}: {note}" for harness, rows in results.items()
             for entry, verdict, note in rows
             if verdict == "mismatch" and entry not in KNOWN.get(harness, {})]
    assert not wrong, "entries that give other results than PyTorch:\n" + "\n".join(wrong)


def test_coverage_counts_do_not_drop(results):
    table = report.counts(results)
    dropped = []
    for name, floor in report.committed_counts().items():
        if name.split("[")[0] not in results:
            continue
        now = table.get(name, {})
        matched = now.get("match", 0)
        if matched < floor["match"]:
            dropped.append(f"{name}: {matched} entries match, {floor['match']} committed")
    assert not dropped, "coverage dropped:\n" + "\n".join(dropped)


def test_known_mismatches_are_still_mismatches(results):
    """An excluded entry that now passes must leave the exclusion list."""
    verdicts = {(h, e): v for h, rows in results.items() for e, v, _ in rows}
    fixed = [f"{h}: {e}" for h, entries in KNOWN.items() for e in entries
             if h in results and verdicts.get((h, e)) != "mismatch"]
    assert not fixed, "no longer mismatching; remove from known_mismatches.json:\n" + "\n".join(fixed)
