"""LogReport: every epoch's row written to a CSV file (values to 6 decimals, for spreadsheets) and
a JSON log (full precision, for programs), both rewritten whole after every epoch, atomically."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from zerograd.core.files import atomic_write
from zerograd.training.extension import Extension


def columns(history: list[dict[str, Any]]) -> list[str]:
    """Every key of the rows, in the order they first appear."""
    return list(dict.fromkeys(key for row in history for key in row))


class LogReport(Extension):
    """``LogReport(csv="metrics.csv", json="log.json")``; None leaves that file out."""

    def __init__(self, csv: str | None = "metrics.csv", json: str | None = "log.json") -> None:
        self.csv_name, self.json_name = csv, json
        self.outputs = tuple(name for name in (csv, json) if name)

    def epoch_end(self, trainer: Any, row: dict[str, Any]) -> None:
        if self.csv_name:
            write_text(trainer.out / self.csv_name, csv_text(trainer.history))
        if self.json_name:
            write_text(trainer.out / self.json_name, json.dumps(trainer.history, indent=1) + "\n")


def csv_text(history: list[dict[str, Any]]) -> str:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=columns(history), lineterminator="\n")
    writer.writeheader()
    for row in history:
        writer.writerow({k: (f"{v:.6f}" if isinstance(v, float) else v) for k, v in row.items()})
    return text.getvalue()


def write_text(path: Any, text: str) -> None:
    with atomic_write(path) as file:
        file.write(text.encode())
