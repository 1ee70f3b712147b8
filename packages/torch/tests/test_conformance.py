"""PyTorch's own test databases as CI: no entry may mismatch (other numbers, shapes or dtypes
than torch), the entries zerograd must have match outright, and no committed coverage count may
drop (conformance/coverage.json).

Walks each database once, with the harnesses of conformance/ (op_db, module_db, optim_db; the
oracle session only: needs torch and expecttest); test_module_db.py and test_optim_db.py hold the
checks of those harnesses and of single entries. Regenerate CONFORMANCE.md and the counts with
conformance/report.py.
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
# module_db entries whose functions zerograd has: they must match outright, not only not mismatch.
MODULES_MUST_MATCH = {"ReLU", "LeakyReLU", "GELU", "Tanh", "Softmax2d", "Embedding", "GRU",
                      "Bilinear", "GroupNorm", "InstanceNorm1d", "InstanceNorm2d",
                      "InstanceNorm3d", "LocalResponseNorm", "RMSNorm", "RNNCell", "GRUCell",
                      "LSTMCell", "RNN"}
# optim_db's optimizers zerograd does not offer; every other one must match.
OPTIMS_NOT_OFFERED = {"LBFGS", "SparseAdam", "Muon"}


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


def test_the_entries_zerograd_has_match(results):
    expected = {f"nn.{name}": "match" for name in MODULES_MUST_MATCH}
    wrong = [f"modules: {entry}: {verdict}: {note}" for entry, verdict, note in results["modules"]
             if entry in expected and verdict != "match"]
    wrong += [f"optims: {entry}: {verdict}: {note}" for entry, verdict, note in results["optims"]
              if verdict != ("unsupported" if entry in OPTIMS_NOT_OFFERED else "match")]
    graded = {entry for entry, _, _ in results["modules"]}
    wrong += [f"modules: {entry}: not in module_db" for entry in expected if entry not in graded]
    assert not wrong, "entries that must match (or be refused) and do not:\n" + "\n".join(wrong)
