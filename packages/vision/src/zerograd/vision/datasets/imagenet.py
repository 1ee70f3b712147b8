"""ImageNet's class names (the 1,000 ILSVRC-2012 classes that VGG16 and ResNet predict)."""

from __future__ import annotations

import ast

from zerograd.data.download import get_file

LABELS_URL = ("https://gist.githubusercontent.com/yrevar/942d3a0ac09ec9e5eb3a/raw/"
              "238f720ff059c1f82f368259d1ca4ffa5dd8f9f5/imagenet1000_clsidx_to_labels.txt")


class ImageNet:
    """Only the labels, as in the book: ImageNet itself is not downloadable."""

    def __init__(self) -> None:
        raise NotImplementedError("ImageNet: the images are not distributed; use "
                                  "ImageNet.labels() for the class names")

    @staticmethod
    def labels(url: str = LABELS_URL) -> dict[int, str]:
        """Class index -> name, from the text file of a Python dict literal at ``url``
        (downloaded once into the data directory). Parsed as a literal, never evaluated."""
        path = get_file(url, "imagenet1000_clsidx_to_labels.txt")
        with open(path, encoding="utf-8") as f:
            text = f.read()
        try:
            labels = ast.literal_eval(text)
        except (ValueError, SyntaxError) as err:
            raise ValueError(f"ImageNet.labels: {path} is not a dict literal ({err})") from err
        if (not isinstance(labels, dict)
                or not all(isinstance(k, int) and isinstance(v, str) for k, v in labels.items())):
            raise ValueError(f"ImageNet.labels: {path} must map ints to strings")
        return labels
