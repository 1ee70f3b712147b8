"""Loading a model's weights: True for the published file, or a path or URL of an .npz written by
save_weights; URLs go through zerograd.data.get_file (downloaded once, then cached)."""

from __future__ import annotations

import os
from typing import Any

from zerograd.data.download import get_file
from zerograd.nn import Layer


def load_pretrained(model: Layer, pretrained: Any, published_url: str | None) -> None:
    """Load ``pretrained`` into ``model``: False/None does nothing; True loads
    ``published_url``; a string or path is a local .npz file or an http(s) URL of one."""
    if pretrained is None or pretrained is False:
        return
    name = type(model).__name__
    if pretrained is True:
        if published_url is None:
            raise ValueError(f"{name}: no pretrained weights are published for this model; pass "
                             "pretrained=<path or URL of an .npz written by save_weights>")
        source = published_url
    elif isinstance(pretrained, (str, os.PathLike)):
        source = os.fspath(pretrained)
    else:
        raise TypeError(f"{name}: pretrained must be a bool, a path or a URL, got "
                        f"{type(pretrained).__name__}")
    path = get_file(source) if source.startswith(("http://", "https://")) else source
    model.load_weights(path)
