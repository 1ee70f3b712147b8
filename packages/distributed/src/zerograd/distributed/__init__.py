"""zerograd.distributed: data-parallel training over MPI (the successor of ChainerMN).

    from zerograd.distributed import (DistributedDataLoader, MultiNodeOptimizer,
                                      create_communicator)
    comm = create_communicator()                 # MPI (or NCCL on GPUs); one rank without mpiexec
    loader = DistributedDataLoader(train_set, batch_size, comm, seed=0)
    optimizer = MultiNodeOptimizer(Adam(), comm).setup(model)

Run with ``mpiexec -n 4 python train.py``. An exception on one rank aborts the job (see
``faults``); ``save_checkpoint``/``load_checkpoint`` write on rank 0 and resume every rank.
"""

from zerograd.distributed.checkpoints import load_checkpoint, save_checkpoint
from zerograd.distributed.communicators import (
    Communicator,
    MpiCommunicator,
    NcclCommunicator,
    create_communicator,
)
from zerograd.distributed.faults import install_abort_on_error
from zerograd.distributed.multi_node_optimizer import MultiNodeOptimizer, broadcast_buffers
from zerograd.distributed.sharding import DistributedDataLoader, ShardedDataset, scatter_index

__all__ = [
    "Communicator", "DistributedDataLoader", "MpiCommunicator", "MultiNodeOptimizer",
    "NcclCommunicator", "ShardedDataset", "broadcast_buffers", "create_communicator",
    "install_abort_on_error", "load_checkpoint", "save_checkpoint", "scatter_index",
]
