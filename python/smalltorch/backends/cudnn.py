"""smalltorch.backends.cudnn: cuDNN is not available; the flags exist so that code setting them runs."""

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available():
    return False


def version():
    return None
