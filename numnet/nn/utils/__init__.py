"""``numnet.nn.utils``: PyTorch's gradient clipping and parameter/vector conversion helpers.

>>> import numnet
>>> from numnet import nn
>>> net = nn.Linear(3, 2)
>>> net(numnet.ones(4, 3)).sum().backward()
>>> total = nn.utils.clip_grad_norm_(net.parameters(), max_norm=1.0)
>>> nn.utils.parameters_to_vector(net.parameters()).shape
(8,)
"""

from numnet.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm
from numnet.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm",
           "parameters_to_vector", "vector_to_parameters"]
