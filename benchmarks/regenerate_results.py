"""Run every speed comparison against PyTorch and rewrite the generated tables of
benchmarks/RESULTS.md (between its ``<!-- generated tables -->`` markers; the prose around them
is kept). Meant for a quiet machine: the figures are only as good as the machine is idle.

    python benchmarks/regenerate_results.py [--rounds 5] [--seconds 1.0] [--only cnn mlp ...]
    python benchmarks/regenerate_results.py --from-json    # the tables again from the last run

Each benchmark runs as its own command (``python benchmarks/<name>.py --rounds R --json F``),
under the environment's BLAS setting and, when it pins OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE, with
both unset; then benchmarks/scaling.py. The raw results stay in benchmarks/results/*.json.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS_MD = os.path.join(HERE, "RESULTS.md")
RAW = os.path.join(HERE, "results")
BEGIN, END = "<!-- generated tables: begin -->", "<!-- generated tables: end -->"

# name -> (what it measures, the issues' target as a ratio to PyTorch or None; issue 28's
# where it set one)
BENCHMARKS = {
    "overhead": ("engine overhead, 4,000 tiny ops", 0.7),
    "mlp": ("MLP 784-1000-1000-10 step, B=100", 1.0),
    "cnn": ("CNN conv32-pool-conv64-pool-fc step, B=100", 1.0),
    "lstm": ("LSTM h=256, 35 steps, B=32 step", 1.0),
    "gru": ("GRU h=256, 35 steps, B=32 step", 1.0),
    "resnet18": ("ResNet-18 step, 32x32, B=64", 1.0),
    "vgg16": ("VGG16 inference, 224x224, B=8", 1.2),
    "optim": ("Adam step, 1.8M parameters", None),
}
MEMORY_ROWS = ("cnn", "lstm", "gru", "mlp", "resnet18", "vgg16")


def run(name: str, args: argparse.Namespace) -> dict:
    out = os.path.join(RAW, f"{name}.json")
    command = [sys.executable, os.path.join(HERE, f"{name}.py"), "--rounds", str(args.rounds),
               "--seconds", str(args.seconds), "--json", out]
    print("$", " ".join(command[1:]), flush=True)
    subprocess.run(command, check=True)
    return load(name, args)


def load(name: str, args: argparse.Namespace) -> dict:
    """The results of ``name``'s last run, as its --json wrote them."""
    with open(os.path.join(RAW, f"{name}.json")) as f:
        return json.load(f)


def measured_at(names: list[str]) -> datetime.datetime:
    """When the newest of these results was written (now, right after a run)."""
    newest = max(os.path.getmtime(os.path.join(RAW, f"{name}.json")) for name in names)
    return datetime.datetime.fromtimestamp(newest, datetime.timezone.utc)


def _ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.2f}x"


def _contenders(result: dict) -> list[str]:
    """Every contender but the reference, in the benchmark's order."""
    return [name for name in result["median_seconds"] if name != result["reference"]]


def speed_table(results: dict[str, dict]) -> list[str]:
    lines = ["| benchmark | contender | BLAS setting (NumPy's kernel) | time | PyTorch | ratio | "
             "target |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for name, result in results.items():
        what, target = BENCHMARKS[name]
        for label, setting in result["settings"].items():
            medians, reference = setting["median_seconds"], result["reference"]
            for contender in _contenders(result):
                ratio = medians[contender] / medians[reference]
                verdict = ""
                if target is not None and contender == "zerograd":  # not the cell-loop rows
                    verdict = f"≤ {target}x " + ("met" if ratio <= target else "**missed**")
                lines.append(f"| {what} | {contender} | {label} ({setting['kernel'][contender]}) | "
                             f"{medians[contender] * 1e3:.2f} ms | {medians[reference] * 1e3:.2f} "
                             f"ms | **{ratio:.2f}x** | {verdict} |")
    return lines


def memory_table(results: dict[str, dict]) -> list[str]:
    lines = ["| benchmark | contender | peak | PyTorch's peak | ratio |",
             "| --- | --- | --- | --- | --- |"]
    for name in MEMORY_ROWS:
        if name not in results:
            continue
        result = results[name]
        peak = next(iter(result["settings"].values()))["peak_mib"]
        torch = peak[result["reference"]]
        for contender in _contenders(result):
            lines.append(f"| {BENCHMARKS[name][0]} | {contender} | {peak[contender]:.0f} MiB | "
                         f"{torch:.0f} MiB | {_ratio(peak[contender], torch)} |")
    return lines


def scaling_table(scaling: dict) -> list[str]:
    lines = ["| workload | batch | BLAS setting | zerograd | PyTorch | ratio |",
             "| --- | --- | --- | --- | --- | --- |"]
    for row in scaling["rows"]:
        ms = row["ms"]
        lines.append(f"| {row['workload']} | {row['batch']} | {row['blas']} | "
                     f"{ms['zerograd']:.2f} ms | {ms['pytorch']:.2f} ms | "
                     f"{_ratio(ms['zerograd'], ms['pytorch'])} |")
    return lines


def generated_section(results: dict[str, dict], scaling: dict | None, rounds: int,
                      measured: datetime.datetime) -> str:
    import numpy

    when = measured.strftime("%Y-%m-%d %H:%M UTC")
    lines = [BEGIN, "",
             f"Generated {when} by `python benchmarks/regenerate_results.py --rounds {rounds}` "
             f"(Python {platform.python_version()}, NumPy {numpy.__version__}, "
             f"{os.cpu_count()} CPUs visible). Median of the rounds, 2 threads for every "
             "contender; each BLAS setting applies to both contenders (PyTorch ignores "
             "OPENBLAS_CORETYPE; the kernel named is NumPy's, as threadpoolctl reports it).", ""]
    if results:
        lines += ["### Speed", "", *speed_table(results), ""]
        lines += ["### Peak memory (peak RSS while the steps run minus the RSS once the framework is "
                  "imported)", "", *memory_table(results), ""]
    if scaling:
        lines += ["### Time per step by batch size", "", *scaling_table(scaling), ""]
    lines.append(END)
    return "\n".join(lines)


def rewrite(section: str) -> None:
    """Replace the generated section of RESULTS.md (or insert it after the opening paragraphs)."""
    from zerograd.core.files import atomic_write

    with open(RESULTS_MD) as f:
        text = f.read()
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + section + text[text.index(END) + len(END):]
    else:
        head, _, rest = text.partition("\n## ")
        text = f"{head.rstrip()}\n\n{section}\n\n## {rest}" if rest else f"{text}\n{section}\n"
    with atomic_write(RESULTS_MD, "w") as f:
        f.write(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--only", nargs="+", choices=[*BENCHMARKS, "scaling"],
                        help="run only these (the other tables are left out)")
    parser.add_argument("--from-json", action="store_true",
                        help="run nothing: rebuild the tables from benchmarks/results/*.json")
    args = parser.parse_args()
    os.makedirs(RAW, exist_ok=True)
    chosen = args.only or [*BENCHMARKS, "scaling"]
    fetch = load if args.from_json else run
    results = {name: fetch(name, args) for name in BENCHMARKS if name in chosen}
    scaling = None
    if "scaling" in chosen:
        out = os.path.join(RAW, "scaling.json")
        if not args.from_json:
            subprocess.run([sys.executable, os.path.join(HERE, "scaling.py"), "--rounds",
                            str(args.rounds), "--seconds", str(args.seconds), "--json", out],
                           check=True)
        scaling = load("scaling", args)
    rounds = next(iter(results.values()))["rounds"] if results else args.rounds
    rewrite(generated_section(results, scaling, rounds, measured_at(chosen)))
    print(f"rewrote the generated tables of {RESULTS_MD}")


if __name__ == "__main__":
    main()
