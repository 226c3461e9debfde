"""Names of PyTorch's public API that numnet does not have, each with the reason (tests/test_pytorch_coverage.py).

Generated from torch 2.13 and then kept by hand: take a name off when numnet gains it (the test says so);
add one when torch grows (the test says so too). "Not yet" entries are gaps, not decisions: they are
listed so that the coverage figure is honest and the next step is visible."""

from __future__ import annotations

OUT_OF_SCOPE: dict[str, dict[str, str]] = {}

# ---- torch.nn: 75/163 present
OUT_OF_SCOPE['torch.nn'] = {}
_reason = "3-D (volumetric) layers: numnet's kernels are 1-D and 2-D"
for _name in (
    'AdaptiveAvgPool3d', 'AdaptiveMaxPool3d', 'AvgPool3d', 'BatchNorm3d', 'CircularPad3d', 'ConstantPad3d',
    'Conv3d', 'ConvTranspose3d', 'FractionalMaxPool3d', 'InstanceNorm3d', 'LPPool3d', 'LazyBatchNorm3d',
    'LazyConv3d', 'LazyConvTranspose3d', 'LazyInstanceNorm3d', 'MaxPool3d', 'MaxUnpool3d', 'ReflectionPad3d',
    'ReplicationPad3d', 'ZeroPad3d',
):
    OUT_OF_SCOPE['torch.nn'][_name] = _reason
_reason = 'single-process multi-device (DataParallel): numnet is CPU-only; use numnet.distributed (MPI)'
for _name in (
    'DataParallel',
):
    OUT_OF_SCOPE['torch.nn'][_name] = _reason
_reason = 'fused/scaled GEMM kernels for accelerators'
for _name in (
    'LinearCrossEntropyLoss',
):
    OUT_OF_SCOPE['torch.nn'][_name] = _reason
_reason = 'lazy modules (shape inferred at the first call): numnet layers take their sizes explicitly'
for _name in (
    'LazyBatchNorm1d', 'LazyBatchNorm2d', 'LazyConv1d', 'LazyConv2d', 'LazyConvTranspose1d', 'LazyConvTranspose2d',
    'LazyInstanceNorm1d', 'LazyInstanceNorm2d', 'LazyLinear',
):
    OUT_OF_SCOPE['torch.nn'][_name] = _reason
_reason = 'recurrent and attention layers (RNN, LSTM, GRU, Transformer): out of scope for a CNN library'
for _name in (
    'GRU', 'GRUCell', 'LSTM', 'LSTMCell', 'MultiheadAttention', 'RNN', 'RNNBase', 'RNNCell', 'RNNCellBase',
    'Transformer', 'TransformerDecoder', 'TransformerDecoderLayer', 'TransformerEncoder',
    'TransformerEncoderLayer',
):
    OUT_OF_SCOPE['torch.nn'][_name] = _reason
_reason = 'not yet implemented: planned follow-up of the PyTorch drop-in (issue 11), listed so the gap is visible'
for _name in (
    'AdaptiveLogSoftmaxWithLoss', 'Bilinear', 'CTCLoss', 'ChannelShuffle', 'Container', 'CosineEmbeddingLoss',
    'CosineSimilarity', 'CrossMapLRN2d', 'EmbeddingBag', 'FeatureAlphaDropout', 'Fold', 'FractionalMaxPool2d',
    'GLU', 'GaussianNLLLoss', 'Hardshrink', 'HingeEmbeddingLoss', 'HuberLoss', 'KLDivLoss', 'L1Loss', 'LPPool1d',
    'LPPool2d', 'LocalResponseNorm', 'MarginRankingLoss', 'MaxUnpool1d', 'MaxUnpool2d', 'MultiLabelMarginLoss',
    'MultiLabelSoftMarginLoss', 'MultiMarginLoss', 'NLLLoss2d', 'PairwiseDistance', 'PixelShuffle',
    'PixelUnshuffle', 'PoissonNLLLoss', 'RMSNorm', 'RReLU', 'SmoothL1Loss', 'SoftMarginLoss', 'Softmin',
    'Softshrink', 'TripletMarginLoss', 'TripletMarginWithDistanceLoss', 'Unfold',
):
    OUT_OF_SCOPE['torch.nn'][_name] = _reason

# ---- torch.nn.functional: 49/112 present
OUT_OF_SCOPE['torch.nn.functional'] = {}
_reason = "3-D (volumetric) layers: numnet's kernels are 1-D and 2-D"
for _name in (
    'adaptive_avg_pool3d', 'adaptive_max_pool3d', 'adaptive_max_pool3d_with_indices', 'avg_pool3d',
    'fractional_max_pool3d', 'fractional_max_pool3d_with_indices', 'lp_pool3d', 'max_pool3d',
    'max_pool3d_with_indices', 'max_unpool3d',
):
    OUT_OF_SCOPE['torch.nn.functional'][_name] = _reason
_reason = 'fused/scaled GEMM kernels for accelerators'
for _name in (
    'grouped_mm', 'linear_cross_entropy', 'scaled_grouped_mm', 'scaled_mm',
):
    OUT_OF_SCOPE['torch.nn.functional'][_name] = _reason
_reason = 'recurrent and attention layers (RNN, LSTM, GRU, Transformer): out of scope for a CNN library'
for _name in (
    'multi_head_attention_forward', 'scaled_dot_product_attention',
):
    OUT_OF_SCOPE['torch.nn.functional'][_name] = _reason
_reason = 'sparse tensors: numnet tensors are dense NumPy arrays'
for _name in (
    'adaptive_max_pool1d_with_indices', 'adaptive_max_pool2d_with_indices', 'fractional_max_pool2d_with_indices',
    'max_pool1d_with_indices', 'max_pool2d_with_indices',
):
    OUT_OF_SCOPE['torch.nn.functional'][_name] = _reason
_reason = "torch's own dispatch helpers, not user API"
for _name in (
    'assert_int_or_pair', 'has_torch_function', 'has_torch_function_unary', 'has_torch_function_variadic',
):
    OUT_OF_SCOPE['torch.nn.functional'][_name] = _reason
_reason = 'not yet implemented: planned follow-up of the PyTorch drop-in (issue 11), listed so the gap is visible'
for _name in (
    'affine_grid', 'cosine_embedding_loss', 'ctc_loss', 'elu_', 'embedding_bag', 'feature_alpha_dropout', 'fold',
    'fractional_max_pool2d', 'gaussian_nll_loss', 'glu', 'grid_sample', 'gumbel_softmax', 'hardtanh_',
    'hinge_embedding_loss', 'huber_loss', 'kl_div', 'l1_loss', 'leaky_relu_', 'local_response_norm', 'lp_pool1d',
    'lp_pool2d', 'margin_ranking_loss', 'max_unpool1d', 'max_unpool2d', 'multi_margin_loss',
    'multilabel_margin_loss', 'multilabel_soft_margin_loss', 'normalize', 'poisson_nll_loss', 'rms_norm', 'rrelu',
    'smooth_l1_loss', 'soft_margin_loss', 'softmin', 'softshrink', 'triplet_margin_loss',
    'triplet_margin_with_distance_loss', 'unfold',
):
    OUT_OF_SCOPE['torch.nn.functional'][_name] = _reason

# ---- torch.optim: 12/16 present
OUT_OF_SCOPE['torch.optim'] = {}
_reason = 'optimizers that are not first-order per-parameter updates (LBFGS: closures and line search) or are newer matrix/factored methods (Adafactor, Muon)'
for _name in (
    'Adafactor', 'LBFGS', 'Muon',
):
    OUT_OF_SCOPE['torch.optim'][_name] = _reason
_reason = 'sparse tensors: numnet tensors are dense NumPy arrays'
for _name in (
    'SparseAdam',
):
    OUT_OF_SCOPE['torch.optim'][_name] = _reason

# ---- torch.optim.lr_scheduler: 16/16 present
OUT_OF_SCOPE['torch.optim.lr_scheduler'] = {}

# ---- torch.Tensor: 159/604 present
OUT_OF_SCOPE['torch.Tensor'] = {}
_reason = 'accelerator and backend predicates and storage internals (numnet is one NumPy CPU backend)'
for _name in (
    'apply_', 'as_strided', 'as_strided_', 'as_strided_scatter', 'as_subclass', 'bfloat16', 'const_data_ptr',
    'data_ptr', 'dim_order', 'element_size', 'get_device', 'grad_dtype', 'hash_tensor', 'ipu', 'is_inference',
    'is_ipu', 'is_maia', 'is_meta', 'is_mkldnn', 'is_mps', 'is_mtia', 'is_nested', 'is_set_to', 'is_vulkan',
    'is_xla', 'is_xpu', 'itemsize', 'layout', 'map2_', 'map_', 'module_load', 'mtia', 'name', 'narrow_copy',
    'nbytes', 'new', 'nonzero_static', 'output_nr', 'reinforce', 'resize',
    'resize_', 'resize_as', 'resize_as_', 'set_', 'slice_inverse', 'storage', 'storage_offset', 'storage_type',
    'stride', 'to_mkldnn', 'to_padded_tensor', 'unsafe_chunk', 'unsafe_split', 'unsafe_split_with_sizes',
    'untyped_storage', 'volatile', 'xpu',
):
    OUT_OF_SCOPE['torch.Tensor'][_name] = _reason
_reason = 'complex numbers'
for _name in (
    'H', 'adjoint', 'angle', 'cdouble', 'cfloat', 'chalf', 'conj', 'conj_physical', 'conj_physical_', 'imag',
    'is_complex', 'is_conj', 'is_neg', 'isreal', 'mH', 'real', 'resolve_conj', 'resolve_neg', 'sgn', 'sgn_',
):
    OUT_OF_SCOPE['torch.Tensor'][_name] = _reason
_reason = 'distributed and multi-device internals (issue 15 brings numnet.distributed)'
for _name in (
    'is_distributed', 'is_pinned', 'is_shared', 'pin_memory', 'record_stream', 'share_memory_',
):
    OUT_OF_SCOPE['torch.Tensor'][_name] = _reason
_reason = 'in-place variant of a method numnet has out of place: not yet (the out-of-place form works)'
for _name in (
    'abs_', 'ceil_', 'clamp_max_', 'clamp_min_', 'clip_', 'cos_', 'cumsum_', 'divide_', 'eq_', 'expm1_', 'floor_',
    'floor_divide_', 'fmod_', 'ge_', 'greater_', 'greater_equal_', 'gt_', 'le_', 'less_', 'less_equal_', 'log1p_',
    'log_', 'lt_', 'multiply_', 'ne_', 'negative_', 'not_equal_', 'reciprocal_', 'relu_', 'remainder_', 'round_',
    'rsqrt_', 'sigmoid_', 'sign_', 'sin_', 'sqrt_', 'square_', 'squeeze_', 'subtract_', 'swapaxes_', 'swapdims_',
    't_', 'tan_', 'tanh_', 'transpose_', 'true_divide_', 'unsqueeze_',
):
    OUT_OF_SCOPE['torch.Tensor'][_name] = _reason
_reason = 'integer bit operations'
for _name in (
    'bitwise_and', 'bitwise_and_', 'bitwise_left_shift', 'bitwise_left_shift_', 'bitwise_not', 'bitwise_not_',
    'bitwise_or', 'bitwise_or_', 'bitwise_right_shift', 'bitwise_right_shift_', 'bitwise_xor', 'bitwise_xor_',
):
    OUT_OF_SCOPE['torch.Tensor'][_name] = _reason
_reason = 'linear-algebra decompositions and solvers (numpy.linalg covers them; not CNN surface)'
for _name in (
    'cholesky', 'cholesky_inverse', 'cholesky_solve', 'det', 'eig', 'geqrf', 'inverse', 'istft', 'logdet', 'lstsq',
    'lu', 'lu_solve', 'matrix_exp', 'matrix_power', 'orgqr', 'ormqr', 'pinverse', 'qr', 'slogdet', 'solve', 'stft',
    'svd', 'symeig', 'triangular_solve',
):
    OUT_OF_SCOPE['torch.Tensor'][_name] = _reason
_reason = 'quantized tensors'
for _name in (
    'dequantize', 'int_repr', 'is_quantized', 'q_per_channel_axis', 'q_per_channel_scales',
    'q_per_channel_zero_points', 'q_scale', 'q_zero_point', 'qscheme',
):
    OUT_OF_SCOPE['torch.Tensor'][_name] = _reason
_reason = 'sparse tensors: numnet tensors are dense NumPy arrays'
for _name in (
    'ccol_indices', 'coalesce', 'col_indices', 'crow_indices', 'dense_dim', 'indices', 'is_coalesced', 'is_sparse',
    'is_sparse_csr', 'resize_as_sparse_', 'row_indices', 'smm', 'sparse_dim', 'sparse_mask', 'sparse_resize_',
    'sparse_resize_and_clear_', 'sspaddmm', 'to_dense', 'to_sparse', 'to_sparse_bsc', 'to_sparse_bsr',
    'to_sparse_coo', 'to_sparse_csc', 'to_sparse_csr', 'values',
):
    OUT_OF_SCOPE['torch.Tensor'][_name] = _reason
_reason = 'special functions (gamma family, Bessel, error-function inverses): not yet; not CNN surface'
for _name in (
    'copysign', 'copysign_', 'digamma', 'digamma_', 'erf_', 'erfc', 'erfc_', 'erfinv', 'erfinv_',
    'float_power', 'float_power_', 'frexp', 'gcd', 'gcd_', 'heaviside', 'heaviside_', 'hypot', 'hypot_', 'i0',
    'i0_', 'igamma', 'igamma_', 'igammac', 'igammac_', 'lcm', 'lcm_', 'ldexp', 'ldexp_', 'lgamma', 'lgamma_',
    'logit', 'logit_', 'mvlgamma', 'mvlgamma_', 'nextafter', 'nextafter_', 'polygamma', 'polygamma_', 'signbit',
    'sinc', 'sinc_', 'xlogy', 'xlogy_',
):
    OUT_OF_SCOPE['torch.Tensor'][_name] = _reason
_reason = 'not yet implemented: planned follow-up of the PyTorch drop-in (issue 11), listed so the gap is visible'
for _name in (
    'absolute', 'absolute_', 'acos', 'acos_', 'acosh', 'acosh_', 'addbmm', 'addbmm_', 'addcdiv', 'addcdiv_',
    'addcmul', 'addcmul_', 'addmm', 'addmm_', 'addmv', 'addmv_', 'addr', 'addr_', 'aminmax', 'arccos', 'arccos_',
    'arccosh', 'arccosh_', 'arcsin', 'arcsin_', 'arcsinh', 'arcsinh_', 'arctan', 'arctan2', 'arctan2_', 'arctan_',
    'arctanh', 'arctanh_', 'asin', 'asin_', 'asinh', 'asinh_', 'atan', 'atan2', 'atan2_',
    'atan_', 'atanh', 'atanh_', 'baddbmm', 'baddbmm_', 'bernoulli', 'bernoulli_', 'bincount', 'broadcast_to',
    'byte', 'cauchy_', 'char', 'corrcoef', 'cosh', 'cosh_', 'cov', 'cross',
    'cumprod_', 'deg2rad', 'deg2rad_', 'diag', 'diag_embed', 'diagflat', 'diagonal', 'diagonal_scatter',
    'diff', 'dist', 'dsplit', 'exp2', 'exp2_', 'exponential_', 'fill_diagonal_', 'fix', 'fix_', 'fliplr', 'flipud',
    'fmax', 'fmin', 'frac', 'frac_', 'geometric_', 'hardshrink', 'histc', 'histogram', 'hsplit', 'index',
    'index_add', 'index_add_', 'index_copy', 'index_copy_', 'index_fill', 'index_fill_', 'index_put', 'index_put_',
    'index_reduce', 'index_reduce_', 'inner', 'is_nonzero', 'is_same_size', 'is_signed',
    'isneginf', 'isposinf', 'kron', 'kthvalue', 'lerp', 'lerp_', 'log10', 'log10_', 'log2', 'log2_', 'log_normal_',
    'logaddexp', 'logaddexp2', 'logcumsumexp', 'logical_and', 'logical_and_', 'logical_not', 'logical_not_',
    'logical_or', 'logical_or_', 'logical_xor', 'logical_xor_', 'masked_scatter',
    'masked_scatter_', 'median', 'mode', 'multinomial', 'mv', 'nan_to_num',
    'nan_to_num_', 'nanmean', 'nanmedian', 'nanquantile', 'nansum', 'ndimension', 'nelement', 'new_empty',
    'new_empty_strided', 'new_full', 'new_ones', 'new_tensor', 'new_zeros', 'positive', 'prelu',
    'put', 'put_', 'quantile', 'rad2deg', 'rad2deg_', 'random_', 'ravel', 'renorm', 'renorm_', 'repeat_interleave',
    'rot90', 'scatter_reduce', 'scatter_reduce_', 'select',
    'select_scatter', 'sinh', 'sinh_', 'slice_scatter', 'split_with_sizes', 'sum_to_size', 'take',
    'tensor_split', 'tril', 'tril_', 'triu', 'triu_', 'trunc', 'trunc_',
    'unfold', 'unique', 'unique_consecutive', 'vdot', 'vsplit',
):
    OUT_OF_SCOPE['torch.Tensor'][_name] = _reason

