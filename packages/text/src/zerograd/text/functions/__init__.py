"""Recurrent cells as fused Functions: each time step is one graph node with a hand-written
backward (itself differentiable, so double backward works).

    rnn_cell(x, h, W_x, W_h, b=None)                  h' = tanh(x W_x + h W_h + b)
    lstm_cell(x, h, c, W_x, W_h, b=None)               (h', c'), gates i, f, g, o
    gru_cell(x, h, W_x, W_h, b_x=None, b_h=None)       h', gates r, z, n

Sequence level (torch.nn.LSTM/GRU; one Function per layer and direction, see sequence.py):

    lstm_sequence(x, weights, h0=None, c0=None)   (y, h_n, c_n)
    gru_sequence(x, weights, h0=None)             (y, h_n)

Weights are (in, gates * hidden) as zerograd's Linear stores them, so x W is one row-major matmul.
"""

from zerograd.text.functions.gru import GRUCell, gru_cell
from zerograd.text.functions.lstm import LSTMCell, lstm_cell
from zerograd.text.functions.rnn import RNNCell, rnn_cell
from zerograd.text.functions.sequence import GRUSequence, LSTMSequence, gru_sequence, lstm_sequence

__all__ = ["GRUCell", "GRUSequence", "LSTMCell", "LSTMSequence", "RNNCell", "gru_cell",
           "gru_sequence", "lstm_cell", "lstm_sequence", "rnn_cell"]
