"""The book's ``dezero.transforms`` in one module: the generic transforms of zerograd.data
(Compose, AsType, ToFloat, ToInt, Normalize, Flatten) and the image transforms of
zerograd.vision (Convert, Resize, CenterCrop, RandomHorizontalFlip, RandomCrop, ToArray, ToPIL;
the PIL ones need Pillow).

>>> import numpy as np
>>> from zerograd.dezero.transforms import Compose, Flatten, Normalize, ToFloat
>>> Compose([Flatten(), ToFloat(), Normalize(0.0, 255.0)])(np.full((1, 2, 2), 255, np.uint8))
array([1., 1., 1., 1.], dtype=float32)
"""

from zerograd.data.transforms import apply_to_batch
from zerograd.vision import transforms as _vision_transforms

# zerograd.vision.transforms already re-exports the generic transforms of zerograd.data.
from zerograd.vision.transforms import *  # noqa: F403

__all__ = [*_vision_transforms.__all__, "apply_to_batch"]
