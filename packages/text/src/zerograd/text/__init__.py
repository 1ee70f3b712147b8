"""zerograd-text: recurrent networks and text data for zerograd.

- ``zerograd.text.functions``: fused ``rnn_cell``, ``lstm_cell`` and ``gru_cell`` Functions;
  ``lstm_sequence``, ``gru_sequence`` over a whole sequence.
- ``zerograd.text.layers``: ``RNN``, ``LSTM``, ``GRU``, one time step per call (the book's API).
- ``zerograd.text.sequence_layers``: ``SequenceLSTM``, ``SequenceGRU`` over a whole sequence
  (``torch.nn.LSTM``/``nn.GRU``), multi-layer and bidirectional.
- ``zerograd.text.datasets``: ``Shakespear``, the book's character-level corpus.
- ``zerograd.text.gpt``: ``GPT``, ``GPTConfig``, a small nanoGPT-style language model with
  key/value-cached generation.
- ``zerograd.text.vocabulary``: ``CharVocabulary``, characters <-> ids.
- ``zerograd.text.corpus``: a UTF-8 file or Debian's fortune cookies as a corpus, split and cut into
  next-character windows (``NextCharWindows``).

>>> import numpy as np
>>> from zerograd.text.layers import LSTM
>>> lstm = LSTM(8)
>>> for x in np.ones((3, 2, 4), dtype=np.float32):  # three time steps, batch 2
...     y = lstm(x)
>>> y.shape
(2, 8)
"""

from zerograd.text import corpus, datasets, functions, gpt, layers, vocabulary
from zerograd.text.datasets import Shakespear
from zerograd.text.gpt import GPT, GPTConfig
from zerograd.text.layers import GRU, LSTM, RNN
from zerograd.text.sequence_layers import SequenceGRU, SequenceLSTM
from zerograd.text.vocabulary import CharVocabulary

__version__ = "0.1.0"
__all__ = ["GPT", "GRU", "LSTM", "RNN", "CharVocabulary", "GPTConfig", "Shakespear", "corpus", "datasets",
           "functions", "gpt", "layers", "vocabulary", "SequenceGRU", "SequenceLSTM"]
