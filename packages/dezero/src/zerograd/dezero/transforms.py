"""The book's ``dezero.transforms`` in one module: the generic transforms of zerograd.data
(Compose, AsType, ToFloat, ToInt, Normalize, Flatten) and the image transforms of
zerograd.vision (Convert, Resize, CenterCrop, RandomHorizontalFlip, RandomCrop, ToArray, ToPIL;
the PIL ones need Pillow).

>>> import numpy as np
>>> from zerograd.dezero.transforms import Compose, Flatten, Normalize, ToFloat
>>> Compose([Flatten(), ToFloat(), Normalize(0.0, 255.0)])(np.full((1, 2, 2), 255, np.uint8))
array([1., 1., 1., 1.], dtype=float32)
"""

from zerograd.data.transforms import (
    AsType,
    Compose,
    Flatten,
    Normalize,
    ToFloat,
    ToInt,
    Transform,
    apply_to_batch,
)
from zerograd.vision.transforms import (
    CenterCrop,
    Convert,
    RandomCrop,
    RandomHorizontalFlip,
    Resize,
    ToArray,
    ToPIL,
)

__all__ = [
    "AsType", "CenterCrop", "Compose", "Convert", "Flatten", "Normalize", "RandomCrop",
    "RandomHorizontalFlip", "Resize", "ToArray", "ToFloat", "ToInt", "ToPIL", "Transform",
    "apply_to_batch",
]
