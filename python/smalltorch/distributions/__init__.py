"""smalltorch.distributions: probability distributions with sample/rsample, log_prob, entropy and moments, as
torch.distributions (Normal, Uniform, Bernoulli, Categorical, Multinomial, Exponential, Beta, Gamma, Dirichlet)
and kl_divergence."""

from . import constraints
from .bernoulli import Bernoulli
from .beta import Beta
from .categorical import Categorical
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exponential import Exponential
from .gamma import Gamma
from .kl import kl_divergence, register_kl
from .multinomial import Multinomial
from .normal import Normal
from .uniform import Uniform

__all__ = ["Bernoulli", "Beta", "Categorical", "Dirichlet", "Distribution", "Exponential", "Gamma",
           "Multinomial", "Normal", "Uniform", "constraints", "kl_divergence", "register_kl"]
