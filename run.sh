#!/usr/bin/env bash
# The README's two commands for a fresh machine:
#   ./run.sh train [ARGS]   set up and run the main job (nox session `train`, its environment reused
#                           and the packages reinstalled only when their sources changed)
#   ./run.sh train-text [ARGS]  the second main job, a character-level GPT (zerograd.commands.
#                           char_gpt), in the same environment, on Debian's fortune cookies or --text FILE
#   ./run.sh test  [ARGS]   set up and run CI's test run (nox -t ci: every package's tests,
#                           the Python/NumPy boundaries, lint and the build-alone check), its
#                           sessions side by side, one per core (.ci/lanes.py)
# Both create .venv-tools (nox + uv) and install the Debian packages they need when run as root
# (graphviz, dataset-fashion-mnist, fortunes).
set -euo pipefail
cd "$(dirname "$0")"

tools=.venv-tools
debian_install() {  # debian_install COMMAND PACKAGE...: install PACKAGEs unless COMMAND/file exists
    local probe=$1; shift
    if [ -e "$probe" ] || command -v "$probe" >/dev/null 2>&1; then return 0; fi
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    else
        echo "note: could not install $* (needs apt-get as root); continuing without it" >&2
    fi
}
setup_tools() {
    if [ ! -x "$tools/bin/nox" ]; then
        python3 -m venv "$tools"
        "$tools/bin/pip" install -q --disable-pip-version-check "nox>=2025" "uv>=0.5"
    fi
    export PATH="$PWD/$tools/bin:$PATH"
}

case "${1:-}" in
    test)
        shift
        debian_install dot graphviz   # plot_dot_graph renders in the tests
        debian_install /usr/share/datasets/fashion-mnist dataset-fashion-mnist  # read by a test
        setup_tools
        # nox -t ci's sessions, two at a time on two cores (.ci/lanes.py; ZEROGRAD_CI_LANES=1: in turn)
        exec "$tools/bin/python" .ci/lanes.py -t ci "$@"
        ;;
    train)
        shift
        debian_install /usr/share/datasets/fashion-mnist dataset-fashion-mnist
        setup_tools
        export ZEROGRAD_TRAIN_PROG="./run.sh train"   # what --help and the resume hint show
        exec nox -r -s train -- "$@"
        ;;
    train-text)
        shift
        debian_install /usr/share/games/fortunes fortunes   # the corpus unless --text FILE
        setup_tools
        export ZEROGRAD_TRAIN_PROG="./run.sh train-text" ZEROGRAD_TRAIN_COMMAND=char_gpt
        exec nox -r -s train -- "$@"
        ;;
    *)
        echo "usage: ./run.sh test | ./run.sh train [ARGS] | ./run.sh train-text [ARGS]" >&2
        exit 2
        ;;
esac
