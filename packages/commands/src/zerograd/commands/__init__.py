"""zerograd.commands: zerograd's main jobs, each a thin command over zerograd.training.

    python -m zerograd.commands.fashion_mnist --help

The commands sit above every other package (they use zerograd.distributed under mpiexec and
zerograd.onnx for --export-onnx), so nothing in zerograd imports them.
"""

__version__ = "0.1.0"
