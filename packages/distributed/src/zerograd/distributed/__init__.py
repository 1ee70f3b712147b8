"""zerograd.distributed: data-parallel training over MPI (the successor of ChainerMN).

    from zerograd.distributed import (DistributedDataLoader, MultiNodeOptimizer,
                                      create_communicator)
    comm = create_communicator()                 # MPI (or NCCL on GPUs); one rank without mpiexec
    loader = DistributedDataLoader(train_set, batch_size, comm, seed=0)
    optimizer = MultiNodeOptimizer(Adam(), comm).setup(model)

Run with ``mpiexec -n 4 python train.py``. Importing this package under mpiexec makes any end
of one rank's program end every rank (see ``faults``); ``save_checkpoint``/``load_checkpoint``
write on rank 0 and resume every rank.
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
from zerograd.distributed.sync_batchnorm import (
    MultiNodeBatchNormalization,
    SyncBatchNorm,
    convert_sync_batchnorm,
)
from zerograd.distributed.waiting import CollectiveTimeout, RankLeft

__all__ = [
    "CollectiveTimeout", "Communicator", "DistributedDataLoader", "MpiCommunicator",
    "MultiNodeBatchNormalization", "MultiNodeOptimizer", "NcclCommunicator", "RankLeft",
    "ShardedDataset", "SyncBatchNorm", "broadcast_buffers", "convert_sync_batchnorm",
    "create_communicator", "install_abort_on_error", "load_checkpoint", "save_checkpoint",
    "scatter_index",
]

install_abort_on_error()  # under mpiexec: from here on, no end of one rank hangs the others
