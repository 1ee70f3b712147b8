"""Test matrices, lint, build-alone checks, benchmarks and the main job for the zerograd monorepo.

    nox -t ci            CI's default run (README.md): every package on 3.11 + NumPy 2 with the
                         PyTorch oracle, the boundaries (3.10 + NumPy 1.26, 3.13 + NumPy 2) without
                         it, lint, the build-alone, MPI and device sessions. CI (./run.sh test)
                         runs these sessions two at a time, one per core, each its own
                         `nox -s SESSION`, its output kept whole (.ci/lanes.py)
    nox -s tests         the full matrix: every package x Python 3.10-3.13 x NumPy 1.26 / 2
    nox -s "tests(core, python='3.11', numpy='2')"    one cell (`nox -l` lists them)
    nox -s build         build every wheel with hatch, install each alone, import it and run its
                         doctests and fast tests
    nox -s device        every package's suite on the GPU stand-in (ZEROGRAD_DEVICE=standin)
    nox -s mpi           zerograd-distributed's tests under mpiexec -n 1, 2 and 4 (the commands'
                         mpiexec runs are launched by their own tests, in the 3.11 cell)
    nox -s bench         the speed comparisons against PyTorch (benchmarks/RESULTS.md)
    nox -r -s train      the main job (python -m zerograd.commands.fashion_mnist), reusing its
                         environment (./run.sh train does this; ./run.sh train-text runs the
                         character-level GPT, zerograd.commands.char_gpt, in it)

Every test session installs the packages (never the source tree), so a missing dependency
declaration fails a test.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import nox

ROOT = Path(__file__).parent
PACKAGES_DIR = ROOT / "packages"

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]


def expose_pyenv_interpreters() -> None:
    """Make pyenv's python3.10 ... python3.13 findable. pyenv's shims answer only when PYENV_VERSION
    lists them, and nox discovers interpreters before this file could set it, so put each
    version's own bin/ on PATH (newest patch release first). uv must never download one: a missing
    interpreter fails the session loudly."""
    if not os.environ.get("PYENV_VERSION"):  # an empty value, as some shells export, is unset
        os.environ["PYENV_VERSION"] = "3.11.7:3.10.13:3.12.1:3.13.0"
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    bins = []
    for python in PYTHONS:
        versions = sorted(root.glob(f"versions/{python}.*/bin"),
                          key=lambda p: [int(n) for n in p.parent.name.split(".") if n.isdigit()])
        bins += [str(versions[-1])] if versions else []
    os.environ["PATH"] = os.pathsep.join([*bins, os.environ["PATH"]])
    os.environ["UV_PYTHON_DOWNLOADS"] = "never"


expose_pyenv_interpreters()

nox.options.default_venv_backend = "uv"
nox.options.error_on_missing_interpreters = True  # a missing Python fails loudly, never skips
nox.options.sessions = []  # `nox` alone runs nothing; CI runs `nox -t ci`

# Each package and the siblings it depends on, in dependency order.
PACKAGES = {
    "core": [],
    "nn": ["core"],
    "data": ["core"],
    "vision": ["core", "nn", "data"],
    "text": ["core", "nn", "data"],
    "dezero": ["core", "nn", "data", "vision", "text"],
    # needs core to text; its tests also export models of the PyTorch facade (torch)
    "onnx": ["core", "nn", "data", "vision", "text", "torch"],
    # needs core, nn and data; its tests also train a CNN (vision) and an LSTM (text)
    "distributed": ["core", "nn", "data", "vision", "text"],
    "torch": ["core", "nn", "data", "vision", "text"],
    "training": ["core", "nn", "data"],
    # the main jobs' commands: above everything they use (onnx, distributed through extras)
    "commands": ["core", "nn", "data", "vision", "text", "training"],
}
NUMPYS = {"1.26": "numpy>=1.26,<1.27", "2": "numpy>=2,<3"}
ORACLE_PYTHON = "3.11"  # the only interpreter with a CPU build of PyTorch on these machines
TORCH = "torch==2.13.0"
TEST_DEPS = ["pytest", "hypothesis"]
# Tests marked slow (pyproject.toml's markers) run in the oracle cell only: the boundary cells,
# the device session and the build-alone check leave them out, to keep CI within its time.
NOT_SLOW = ["-m", "not slow"]
CI_CELLS = {("3.11", "2"), ("3.10", "1.26"), ("3.13", "2")}  # (python, numpy)


def present_packages() -> list[str]:
    """The packages of the map that exist in this checkout."""
    return [name for name in PACKAGES if (PACKAGES_DIR / name / "pyproject.toml").exists()]


# Optional extras whose code the tests exercise (a skipped test proves nothing): installed with
# the package in every test session and in the build-alone check, and with it as a sibling.
TEST_EXTRAS = {"data": "progress", "vision": "image", "dezero": "all", "nn": "safetensors",
               "onnx": "runtime",  # onnxruntime: the reference the export tests compare with
               "distributed": "mpich,test",
               "torch": "safetensors",  # the weights-crossing tests read and write .safetensors
               "training": "all"}  # tqdm and matplotlib: the progress bar and the plots
# Extras installed only where the package itself is tested, in the oracle cell (3.11): the
# commands' `onnx` and `mpi` extras (--export-onnx and mpiexec runs); their tests skip, naming the
# extra, in the boundary cells.
OWN_TEST_EXTRAS = {"commands": "onnx,mpi"}
# The siblings those extras bring in, with what they need of their own.
EXTRA_SIBLINGS = {"commands": ["text", "onnx", "distributed"]}


def with_extras(name: str, location: str, own: bool = False) -> str:
    """``location[extras]`` for a package whose tests exercise optional extras; ``own`` adds
    the extras used only when the package itself is tested."""
    extras = [e for e in (TEST_EXTRAS.get(name), own and OWN_TEST_EXTRAS.get(name)) if e]
    return f"{location}[{','.join(extras)}]" if extras else location


def local_packages(name: str, own: bool = False) -> list[str]:
    """The zerograd packages a package's test session installs: its dependencies, the siblings its
    own tested extras bring (``own``), and itself."""
    return [*PACKAGES[name], *(EXTRA_SIBLINGS.get(name, []) if own else []), name]


def package_with_siblings(name: str, own: bool = False) -> list[str]:
    """Local paths of a package and the siblings it needs (with their tested extras), so the
    resolver takes them from here."""
    return [with_extras(dep, str(PACKAGES_DIR / dep), own=own and dep == name)
            for dep in local_packages(name, own)]


def fresh_builds(names: list[str]) -> list[str]:
    """uv caches a local package's build keyed on its pyproject.toml, not its sources, and skips
    a wheel whose version is installed: force zerograd's own packages to be rebuilt/reinstalled."""
    return [arg for name in names for arg in ("--reinstall-package", f"zerograd-{name}")]


def install_torch(session: nox.Session) -> None:
    """Install the CPU build of PyTorch; uv does not read pip's find-links, so name the folder."""
    for folder in (os.environ.get("ZEROGRAD_TORCH_WHEELS"), "/opt/wheels"):
        if folder and any(Path(folder).glob("torch-2.13.0*cp311*.whl")):
            session.install("--find-links", folder, TORCH, "expecttest")
            return
    session.warn("No local CPU wheel of torch; installing it from the index (large download).")
    session.install(TORCH, "expecttest")  # expecttest: torch.testing._internal's op_db needs it


def run_tests(session: nox.Session, package: str, python_bin: str = "python",
              pytest_args: list[str] | tuple[str, ...] = (), doctests_only: bool = False) -> None:
    """A package's tests and the docstring examples of its installed modules (only those with
    ``doctests_only``)."""
    tests = [] if doctests_only else [str(PACKAGES_DIR / package / "tests")]
    # pytest's 5 is "nothing collected": a package without docstring examples, whose modules
    # were still imported (an import error is a collection error, status 2)
    codes = [0, 5] if doctests_only else [0]
    session.run(
        python_bin, "-m", "pytest", "-q", "-p", "no:cacheprovider",
        "--rootdir", str(ROOT), "-c", str(ROOT / "pyproject.toml"),
        "--pyargs", f"zerograd.{package}", *tests,
        *pytest_args,
        external=True, success_codes=codes,
    )


def test_cells() -> list:
    cells = []
    for package in PACKAGES:
        for python in PYTHONS:
            for numpy in NUMPYS:
                if numpy == "1.26" and python == "3.13":
                    continue  # NumPy 1.26 ships no wheel for Python 3.13
                tags = ["ci"] if (python, numpy) in CI_CELLS else []
                cells.append(nox.param(package, python, numpy, tags=tags,
                                       id=f"{package}, python='{python}', numpy='{numpy}'"))
    return cells


@nox.session
@nox.parametrize("package,python,numpy", test_cells())
def tests(session: nox.Session, package: str, numpy: str) -> None:
    """One package on one interpreter and one NumPy; the PyTorch oracle and the tests marked slow
    run on 3.11 only."""
    if package not in present_packages():
        session.skip(f"packages/{package} does not exist yet")
    own = session.python == ORACLE_PYTHON
    session.install(NUMPYS[numpy], *TEST_DEPS, *package_with_siblings(package, own),
                    *fresh_builds(local_packages(package, own)))
    if session.python == ORACLE_PYTHON:
        install_torch(session)
        # The oracle cell runs every suite with the compiled kernels on; the others on NumPy only.
        session.install(f"{PACKAGES_DIR / 'core'}[kernels]")
    session.run("python", "-c", "import sys, numpy; print('python', sys.version.split()[0], "
                "'numpy', numpy.__version__)")
    session.chdir(ROOT)
    run_tests(session, package, pytest_args=[*([] if own else NOT_SLOW), *session.posargs])


@nox.session(python=ORACLE_PYTHON, tags=["ci"])
def lint(session: nox.Session) -> None:
    """ruff over the packages, benchmarks, examples and this file."""
    session.install("ruff")
    session.run("ruff", "check", "packages", "benchmarks", "examples", "noxfile.py")


@nox.session(python=ORACLE_PYTHON, tags=["ci"])
def build(session: nox.Session) -> None:
    """Build every wheel with hatch, then install each package alone (its wheel, its sibling wheels
    and the third-party dependencies it declares) into a fresh environment, import it and run its
    doctests (which import every module): the proof that a user can install only the packages
    they need. The suites themselves run in the test cells, on installed wheels too.
    `nox -s build -- core nn` checks only the packages named."""
    packages = session.posargs or present_packages()
    session.install("hatch")
    tmp = Path(session.create_tmp()).resolve()  # absolute: the loop below changes directory
    dist = tmp / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    hatch_env = {"HATCH_DATA_DIR": str(tmp / "hatch-data")}  # hatch's build envs, fresh per run
    for package in packages:
        with session.chdir(PACKAGES_DIR / package):
            # nox exports UV_PYTHON=<this venv>; hatch installs its build env with uv, which would
            # then install into the wrong environment.
            session.run("env", "-u", "UV_PYTHON", "-u", "UV_PROJECT_ENVIRONMENT",
                        "hatch", "build", "-t", "wheel", str(dist), env=hatch_env, external=True)
    for package in packages:
        venv = tmp / f"alone-{package}"
        shutil.rmtree(venv, ignore_errors=True)
        session.run("uv", "venv", "-q", "--python", session.python, str(venv))
        python = str(venv / "bin" / "python")
        session.run("uv", "pip", "install", "-q", "--python", python, "--find-links", str(dist),
                    *[with_extras(name, f"zerograd-{name}", own=name == package)
                      for name in [*EXTRA_SIBLINGS.get(package, []), package]], *TEST_DEPS,
                    *fresh_builds(local_packages(package, own=True)))
        session.run(python, "-c", f"import zerograd.{package}", external=True)
        session.chdir(ROOT)
        run_tests(session, package, python_bin=python, doctests_only=True)


MPI_RANKS = (1, 2, 4)  # oversubscribed on two cores: mpich needs no flag for it
MPI_TIMEOUT = 80  # seconds per launch: a hang fails the session instead of stalling CI


@nox.session(python=ORACLE_PYTHON, tags=["ci"])
def mpi(session: nox.Session) -> None:
    """zerograd-distributed's tests under mpiexec -n 1, 2 and 4 (MPI from the mpich wheel), each
    launch bounded in time."""
    session.install(NUMPYS["2"], *TEST_DEPS, *package_with_siblings("distributed"),
                    *fresh_builds([*PACKAGES["distributed"], "distributed"]))
    session.chdir(ROOT)
    for ranks in MPI_RANKS:
        session.run("timeout", "--kill-after=10", str(MPI_TIMEOUT), "mpiexec", "-n", str(ranks),
                    "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir",
                    str(ROOT), "-c", str(ROOT / "pyproject.toml"),
                    str(PACKAGES_DIR / "distributed" / "tests"), *session.posargs, external=True)


# Test files about host-only concerns (file formats, downloads, the command line), left out of the
# device session to keep it within CI's time; everything else runs with arrays on the stand-in.
HOST_ONLY_TESTS = {
    "data": ["test_download.py", "test_datasets.py"],
    "vision": ["test_datasets.py"],
    "commands": ["test_fashion_mnist.py", "test_char_gpt.py", "test_layering.py"],
    "text": ["test_datasets.py", "test_vocabulary.py"],
    "onnx": ["test_inspect.py", "test_torch_models.py"],
    # PyTorch's OpInfo/ModuleInfo/OptimizerInfo walks grade the facade against torch on the host
    # (about three minutes); the facade's device path is covered by the rest of its suite.
    "torch": ["test_conformance.py", "test_module_db.py", "test_optim_db.py"],
}
# Checks whose test builds a host constant the device run cannot reach (a target inside a list).
DEVICE_DESELECT = {"torch": ["-k", "not (test_numerical_gradient and bce_with_logits)"]}


@nox.session(python=ORACLE_PYTHON, tags=["ci"])
def device(session: nox.Session) -> None:
    """Every package's suite but its slow tests on the strict GPU stand-in (zerograd.core.fakecupy):
    the test helpers repeat each gradient check on device copies, and the device tests train on
    it. On a machine with a GPU, ZEROGRAD_DEVICE=cuda runs the same on real CuPy
    (scripts/gpu_check.sh).
    `nox -s device -- core nn` runs the packages named."""
    on_device = [name for name in present_packages() if name != "distributed"]  # MPI: its own session
    packages = session.posargs or on_device
    session.install("numpy>=2,<3", *TEST_DEPS,
                    *[with_extras(name, str(PACKAGES_DIR / name)) for name in on_device],
                    *fresh_builds(on_device))
    install_torch(session)
    session.chdir(ROOT)
    for package in packages:
        skipped = [f"--ignore={PACKAGES_DIR / package / 'tests' / name}"
                   for name in HOST_ONLY_TESTS.get(package, [])]
        session.env["ZEROGRAD_DEVICE"] = os.environ.get("ZEROGRAD_DEVICE") or "standin"
        run_tests(session, package,
                  pytest_args=[*skipped, *NOT_SLOW, *DEVICE_DESELECT.get(package, [])])


@nox.session(python=ORACLE_PYTHON)
def bench(session: nox.Session) -> None:
    """Speed and memory against PyTorch CPU under both BLAS settings, and time per step by batch
    size; rewrites the generated tables of benchmarks/RESULTS.md. Arguments after `--` go to
    benchmarks/regenerate_results.py, e.g. `nox -s bench -- --only cnn scaling --rounds 3`."""
    session.install("numpy>=2", "threadpoolctl", *[str(PACKAGES_DIR / name) for name in present_packages()],
                    *fresh_builds(present_packages()))
    install_torch(session)
    session.run("python", str(ROOT / "benchmarks" / "regenerate_results.py"), *session.posargs)
    if not session.posargs:  # the one benchmark without a PyTorch contender, nor a table
        session.run("python", str(ROOT / "benchmarks" / "loader.py"))


def sources_stamp(names: list[str], extras: str) -> str:
    """A fingerprint of the named packages' pyproject.toml and sources (paths, sizes, times)."""
    digest = hashlib.sha256(extras.encode())
    for name in names:
        folder = PACKAGES_DIR / name
        for path in sorted([folder / "pyproject.toml", *(folder / "src").rglob("*")]):
            if path.is_file():
                stat = path.stat()
                digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


@nox.session(python=ORACLE_PYTHON)
def train(session: nox.Session) -> None:
    """The main job: train the CNN on Fashion-MNIST (python -m zerograd.commands.fashion_mnist);
    arguments after `--` go to the command, e.g. `nox -s train -- --model mlp --epochs 3`.
    With `-r` (as ./run.sh runs it) the environment is reused and the packages are reinstalled
    only when their sources changed, so `./run.sh train --help` answers at once."""
    own = "--export-onnx" in session.posargs  # zerograd-onnx comes with the commands' extra
    names = local_packages("commands", own)
    stamp = Path(session.virtualenv.location) / ".zerograd-sources"
    current = sources_stamp(names, f"own={own}")
    if not (stamp.exists() and stamp.read_text() == current):
        session.install(*package_with_siblings("commands", own), *fresh_builds(names))
        stamp.write_text(current)
    # On Ctrl-C the command saves a checkpoint before it exits (status 130): wait for it rather
    # than nox's default 0.3 s before SIGTERM and SIGKILL. --help and the resume hint name the
    # command the user typed (./run.sh sets it; a plain `nox -s train` gets its own).
    prog = os.environ.get("ZEROGRAD_TRAIN_PROG") or "nox -s train --"
    command = os.environ.get("ZEROGRAD_TRAIN_COMMAND", "fashion_mnist")  # run.sh train-text: char_gpt
    session.run("python", "-m", f"zerograd.commands.{command}", *session.posargs,
                env={"ZEROGRAD_TRAIN_PROG": prog}, interrupt_timeout=None)
