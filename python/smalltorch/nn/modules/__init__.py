from .module import Module
from .container import Sequential, ModuleList, ModuleDict
from .linear import Identity, Linear, Flatten, Unflatten, Dropout
from .activation import ReLU, Sigmoid, Tanh, Softmax, LogSoftmax, LeakyReLU, GELU, SiLU, ELU, Softplus
from .loss import MSELoss, L1Loss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss
from .rnn import RNNBase, RNN, LSTM, GRU, RNNCellBase, RNNCell, LSTMCell, GRUCell
from .linear import Dropout1d, Dropout2d
from .batchnorm import BatchNorm1d, BatchNorm2d
from .normalization import LayerNorm, GroupNorm
from .sparse import Embedding

__all__ = ["Module", "Sequential", "ModuleList", "ModuleDict", "Identity", "Linear", "Flatten", "Unflatten",
           "Dropout", "ReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "LeakyReLU", "GELU", "SiLU", "ELU",
           "Softplus", "MSELoss", "L1Loss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss",
           "RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell",
           "Dropout1d", "Dropout2d", "BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm", "Embedding"]
from .conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d
from .pooling import (MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool1d, AdaptiveAvgPool2d,
                      AdaptiveMaxPool1d, AdaptiveMaxPool2d)

__all__ += ["Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d", "MaxPool1d", "MaxPool2d", "AvgPool1d",
            "AvgPool2d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d"]
from .linear import Bilinear, LazyLinear
from .container import ParameterList, ParameterDict
from .transformer import MultiheadAttention, TransformerEncoderLayer, TransformerEncoder

__all__ += ["Bilinear", "LazyLinear", "ParameterList", "ParameterDict", "MultiheadAttention",
            "TransformerEncoderLayer", "TransformerEncoder"]
from .activation import (Hardtanh, ReLU6, SELU, CELU, Mish, Hardsigmoid, Hardswish, Softsign, LogSigmoid,  # noqa: E402
                         GLU)

__all__ += ["Hardtanh", "ReLU6", "SELU", "CELU", "Mish", "Hardsigmoid", "Hardswish", "Softsign", "LogSigmoid", "GLU"]
from .loss import SmoothL1Loss, HuberLoss, KLDivLoss  # noqa: E402

__all__ += ["SmoothL1Loss", "HuberLoss", "KLDivLoss"]
