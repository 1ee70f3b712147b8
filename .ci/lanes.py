"""Run nox's sessions a few at a time: CI's run (`nox -t ci`) on a 2-core machine, where most
tests are one Python thread, so two sessions at once take about half the time of one after another.

    python3 .ci/lanes.py [NOX SELECTION] [-- POSARGS]     e.g. python3 .ci/lanes.py -t ci

It lists the sessions that `nox NOX SELECTION` selects (-t, -s, -k, -p), then runs each as its
own `nox -s SESSION [-- POSARGS]`, longest first (the times of the previous run, else EXPECTED
below), on ZEROGRAD_CI_LANES lanes (default: the CPUs this process may use, at most 4; 1 runs
them one after another). Each session's output goes to .nox/ci-logs/SESSION.log and is printed
whole when the session ends, so one session's lines stay together in the log; a summary ends
the run. Every session runs even when one fails; the status is 1 when any failed (as nox's).
The sessions' environment is this process's: the lanes change no test's setting (BLAS threads
included).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOGS = ROOT / ".nox" / "ci-logs"
TIMES = LOGS / "durations.json"  # the last run's seconds per session: the next run's order
# Seconds per session from a sequential `nox -t ci` on 2 cores; only the order depends on them
# (the longest start first, so that no long session starts last on one lane).
EXPECTED = {
    "device": 240, "tests(torch, python='3.11', numpy='2')": 220,
    "tests(commands, python='3.11', numpy='2')": 120, "tests(vision, python='3.11', numpy='2')": 100,
    "tests(dezero, python='3.11', numpy='2')": 80, "tests(onnx, python='3.11', numpy='2')": 70,
    "build": 70, "mpi": 45,
}
EXPECTED_311, EXPECTED_OTHER = 35, 20  # the other 3.11 cells (with torch and Numba), the rest


def nox_command() -> list[str]:
    """nox beside this interpreter (run.sh's .venv-tools), else the one on PATH."""
    beside = Path(sys.executable).parent / "nox"
    return [str(beside)] if beside.exists() else ["nox"]


def list_sessions(selection: list[str]) -> list[str]:
    """The sessions `nox SELECTION` would run, in nox's order."""
    listed = subprocess.run([*nox_command(), *selection, "--list", "--json"], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    if listed.returncode != 0:
        sys.exit(f"lanes: `nox {' '.join(selection)} --list` failed:\n{listed.stderr}")
    return [entry["session"] for entry in json.loads(listed.stdout)]


def expected_seconds(session: str, last: dict[str, float]) -> float:
    if session in last:
        return last[session]
    if session in EXPECTED:
        return EXPECTED[session]
    return EXPECTED_311 if "python='3.11'" in session else EXPECTED_OTHER


def log_path(session: str) -> Path:
    return LOGS / (re.sub(r"[^A-Za-z0-9.=,-]+", "_", session).strip("_") + ".log")


class Lanes:
    """A queue of sessions and the threads (lanes) that run them, one nox process each."""

    def __init__(self, sessions: list[str], posargs: list[str]):
        self.queue = list(sessions)
        self.posargs = posargs
        self.lock = threading.Lock()
        self.results: dict[str, tuple[int, float]] = {}
        self.running: dict[str, subprocess.Popen] = {}
        self.stopping = False
        self.start = time.monotonic()

    def say(self, text: str) -> None:
        elapsed = int(time.monotonic() - self.start)
        print(f"lanes [{elapsed // 60:02d}:{elapsed % 60:02d}] {text}", flush=True)

    def next_session(self) -> str | None:
        with self.lock:
            return None if self.stopping or not self.queue else self.queue.pop(0)

    def run_lane(self, lane: int) -> None:
        while (session := self.next_session()) is not None:
            self.say(f"lane {lane}: start {session}")
            began = time.monotonic()
            with open(log_path(session), "w") as log:
                process = subprocess.Popen(
                    [*nox_command(), "-s", session, *self.posargs],
                    cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    start_new_session=True)  # a terminal's Ctrl-C reaches it once, via stop()
                with self.lock:
                    self.running[session] = process
                code = process.wait()
            seconds = time.monotonic() - began
            with self.lock:
                del self.running[session]
                self.results[session] = (code, seconds)
                verdict = "success" if code == 0 else f"FAILED (status {code})"
                # the whole log at once: the other lanes' lines never cut into it
                print(f"\n{'=' * 20} {session}: {verdict} in {seconds:.0f} s (lane {lane}) "
                      f"{'=' * 20}\n{log_path(session).read_text(errors='replace')}", flush=True)

    def stop(self, signum, frame) -> None:
        """On SIGINT/SIGTERM: start nothing more and pass the signal to the running sessions."""
        with self.lock:
            self.stopping = True
            for process in self.running.values():
                process.send_signal(signum)


def main(argv: list[str]) -> int:
    # the selection only lists the sessions: `nox -t ci -s X` would run every session tagged ci
    selection, posargs = (argv[:argv.index("--")], argv[argv.index("--"):]) if "--" in argv \
        else (argv, [])
    LOGS.mkdir(parents=True, exist_ok=True)
    last = json.loads(TIMES.read_text()) if TIMES.exists() else {}
    sessions = sorted(list_sessions(selection), key=lambda s: -expected_seconds(s, last))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    count = int(os.environ.get("ZEROGRAD_CI_LANES") or min(cores or 1, 4))
    lanes = Lanes(sessions, posargs)
    lanes.say(f"{len(sessions)} sessions on {count} lanes; logs in {LOGS.relative_to(ROOT)}/")
    signal.signal(signal.SIGINT, lanes.stop)
    signal.signal(signal.SIGTERM, lanes.stop)
    threads = [threading.Thread(target=lanes.run_lane, args=(lane,)) for lane in range(1, count + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    TIMES.write_text(json.dumps({**last, **{s: round(t) for s, (_, t) in lanes.results.items()}},
                                indent=1, sort_keys=True))
    failed = [s for s in sessions if lanes.results.get(s, (1, 0))[0] != 0]
    lanes.say(f"ran {len(lanes.results)} of {len(sessions)} sessions on {count} lanes:")
    for session in sessions:
        code, seconds = lanes.results.get(session, (None, 0))
        verdict = "not run" if code is None else "success" if code == 0 else "FAILED"
        print(f"  {session}: {verdict}" + (f", {seconds:.0f} s" if code is not None else ""))
    if failed:
        print(f"lanes: {len(failed)} session(s) failed or did not run: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
