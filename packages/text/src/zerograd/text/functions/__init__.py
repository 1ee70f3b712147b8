"""Recurrent cells as fused Functions: each time step is one graph node with a hand-written
backward (itself differentiable, so double backward works).

    rnn_cell(x, h, W_x, W_h, b=None)                  h' = tanh(x W_x + h W_h + b)
    lstm_cell(x, h, c, W_x, W_h, b=None)               (h', c'), gates i, f, g, o
    gru_cell(x, h, W_x, W_h, b_x=None, b_h=None)       h', gates r, z, n

Weights are (in, gates * hidden) as zerograd's Linear stores them, so x W is one row-major matmul.
"""

from zerograd.text.functions.gru import GRUCell, gru_cell
from zerograd.text.functions.lstm import LSTMCell, lstm_cell
from zerograd.text.functions.rnn import RNNCell, rnn_cell

__all__ = ["GRUCell", "LSTMCell", "RNNCell", "gru_cell", "lstm_cell", "rnn_cell"]
