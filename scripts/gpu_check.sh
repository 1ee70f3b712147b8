#!/usr/bin/env bash
# The GPU check of issue 14, for a machine with an NVIDIA card (its image has CuPy 14 for CUDA 13,
# PyTorch with CUDA, NumPy 2 and pytest; Python 3.12). It installs nothing: the packages run from
# their source folders. Budget 180 s + 75 s + 180 s (under 8 minutes); the benchmark table last:
#   1. every package's test suite on real CuPy (ZEROGRAD_DEVICE=cuda: each gradient check repeated
#      on the device, the device tests training on it)
#   2. the book's step 52 on Fashion-MNIST for one epoch (files in $FASHION_MNIST, default
#      .gpu-data/fashion-mnist: copy /usr/share/datasets/fashion-mnist there and carry it along)
#   3. benchmarks/gpu.py: zerograd vs PyTorch CUDA eager, one process each, alternating
# Dry run on a CPU: scripts/gpu_check.sh --standin (the stand-in, tiny sizes, short timeouts).
set -uo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
PYTHONPATH=$(ls -d packages/*/src | paste -sd:)${PYTHONPATH:+:$PYTHONPATH}
export PYTHONPATH
DEVICE=cuda; TESTS_S=180; STEP52_S=75; BENCH=(--rounds 2 --seconds 1.5); DATA=${FASHION_MNIST:-.gpu-data/fashion-mnist}
if [ "${1:-}" = "--standin" ]; then
    DEVICE=standin; TESTS_S=60; BENCH=(--device standin --small --rounds 1 --seconds 0.2
                                       --models mlp,lstm)
fi
export ZEROGRAD_DEVICE=$DEVICE

echo "== device"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
"$PYTHON" -c "from zerograd.core import cuda; print(cuda.gpu_status())"

echo "== test suites on the device (${TESTS_S}s in all)"
packages=(core nn data vision text dezero onnx)
per_package=$(( TESTS_S / ${#packages[@]} ))
for package in "${packages[@]}"; do
    [ -d "packages/$package/tests" ] || continue
    # no hypothesis in the image: those modules fail to collect and the rest still runs
    timeout "$per_package" "$PYTHON" -m pytest -q -x -p no:cacheprovider --rootdir . -c pyproject.toml \
        --continue-on-collection-errors "packages/$package/tests" 2>&1 | tail -4
    echo "   $package: exit ${PIPESTATUS[0]} (124: out of time)"
done

echo "== step 52 on Fashion-MNIST, one epoch"
limit=(); [ "$DEVICE" = standin ] && limit=(--limit 5)
if [ -d "$DATA" ] || [ "$DEVICE" = standin ]; then
    root=(); [ -d "$DATA" ] && root=(--root "$DATA")
    timeout "$STEP52_S" "$PYTHON" scripts/step52_gpu.py "${root[@]}" "${limit[@]}"
else
    echo "   no Fashion-MNIST files in $DATA: skipped"
fi

echo "== training benchmarks (table last)"
unset ZEROGRAD_DEVICE
timeout 180 "$PYTHON" benchmarks/gpu.py "${BENCH[@]}" --json "${OUT:-${TMPDIR:-/tmp}}/gpu_bench.json"
