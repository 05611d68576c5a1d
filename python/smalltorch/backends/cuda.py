"""smalltorch.backends.cuda: CUDA is not built; the matmul flags exist so that code setting them runs."""


class _MatmulFlags:
    allow_tf32 = False
    allow_fp16_reduced_precision_reduction = True
    allow_bf16_reduced_precision_reduction = True


matmul = _MatmulFlags()


def is_built():
    return False
