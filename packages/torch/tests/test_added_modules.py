"""The modules added for module_db: constructor checks and the errors they give (their numbers
are compared with torch by test_module_db.py)."""

import pytest

import zerograd.torch as torch
from zerograd.torch import nn


def test_bad_constructor_arguments_name_the_module():
    with pytest.raises(ValueError, match="ZeroPad2d: padding must be an int or a tuple of 4 ints"):
        nn.ZeroPad2d((1, 2))
    with pytest.raises(ValueError, match="Hardtanh: max_val"):
        nn.Hardtanh(1.0, -1.0)
    with pytest.raises(ValueError, match="Conv1d: in_channels .3. and out_channels .4. must be "
                                         "divisible by groups .2."):
        nn.Conv1d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv1d(2, 2, 3, padding_mode="mirror")


def test_a_missing_function_is_named():
    from zerograd.torch.nn import _calls
    with pytest.raises(NotImplementedError, match=r"nn.Foo needs torch.nn.functional.no_such"):
        _calls.call("Foo", "no_such", torch.ones(2))


def test_layouts_and_buffers_follow_pytorch():
    assert nn.Conv1d(4, 6, 3, groups=2).weight.shape == (6, 2, 3)
    assert nn.ConvTranspose2d(4, 6, (2, 3), groups=2).weight.shape == (4, 3, 2, 3)
    assert nn.PReLU(3).weight.data.tolist() == [0.25] * 3
    assert nn.MaxPool1d(3).stride == 3 and nn.AvgPool2d(2, 1).stride == 1


def test_lazy_convolutions_start_unsized_and_take_loaded_weights():
    lazy = nn.LazyConvTranspose1d(6, 3, groups=2)
    assert lazy.state_dict() == {} and lazy.weight.data is None
    lazy.load_state_dict({"weight": torch.ones(4, 3, 3), "bias": torch.zeros(6)})
    assert lazy.weight.shape == (4, 3, 3)


def test_cells_take_pytorchs_layout_and_unbatched_input():
    cell = nn.LSTMCell(3, 2)
    assert cell.weight_ih.shape == (8, 3) and cell.bias_hh.shape == (8,)
    h, c = cell(torch.ones(3))
    assert h.shape == (2,) and c.shape == (2,)
    with pytest.raises(ValueError, match=r"GRUCell: expected a hidden state of shape \(4, 2\)"):
        nn.GRUCell(3, 2)(torch.ones(4, 3), torch.ones(3, 2))
    with pytest.raises(ValueError, match="RNNCell: nonlinearity must be 'tanh' or 'relu'"):
        nn.RNNCell(3, 2, nonlinearity="gelu")


def test_rnn_shapes_and_relu():
    rnn = nn.RNN(3, 4, 2, nonlinearity="relu", bidirectional=True, batch_first=True)
    assert rnn.weight_ih_l1_reverse.shape == (4, 8)
    output, h_n = rnn(torch.ones(5, 6, 3))
    assert output.shape == (5, 6, 8) and h_n.shape == (4, 5, 4)
    assert float(output.data.min()) >= 0
    with pytest.raises(ValueError, match="RNN: nonlinearity must be 'tanh' or 'relu'"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
