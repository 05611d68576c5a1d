import math
import numbers

import smalltorch as _st

from . import constraints
from .categorical import Categorical
from .distribution import Distribution
from .utils import broadcast_all, lgamma, xlogy

__all__ = ["Multinomial"]


class Multinomial(Distribution):
    """Counts of each of K categories over `total_count` independent Categorical(probs/logits) draws."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    total_count: int

    @property
    def mean(self):
        return self.probs * self.total_count

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        if not isinstance(total_count, numbers.Number):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args)

    @property
    def support(self):
        return constraints.multinomial(self.total_count)

    @property
    def logits(self):
        return self._categorical.logits

    @property
    def probs(self):
        return self._categorical.probs

    @property
    def param_shape(self):
        return self._categorical.param_shape

    def sample(self, sample_shape=_st.Size()):
        sample_shape = _st.Size(sample_shape)
        samples = self._categorical.sample(_st.Size((self.total_count,)) + sample_shape)
        # samples: (total_count, sample..., batch...): counts along a new last dim
        shifted_idx = list(range(samples.dim()))
        shifted_idx.append(shifted_idx.pop(0))
        samples = samples.permute(*shifted_idx)
        counts = _st.zeros(self._extended_shape(sample_shape), dtype=self.probs.dtype)
        counts.scatter_add_(-1, samples, _st.ones_like(samples, dtype=self.probs.dtype))
        return counts.to(self.probs.dtype)

    def entropy(self):
        n = float(self.total_count)
        cat_entropy = self._categorical.entropy()
        # PyTorch takes log(n!) of the integer total_count in the default dtype: so do we, for equal values
        log_n_fact = _st.tensor(math.lgamma(n + 1), dtype=_st.get_default_dtype()).item()
        term1 = n * cat_entropy - log_n_fact
        # the binomial marginal of each category: sum over k = 1..n of P(k) * log k!
        k = _st.arange(1, self.total_count + 1, dtype=self.probs.dtype)
        k = k.view((-1,) + (1,) * self.probs.dim())
        p = self.probs
        log_binom = (lgamma(_st.tensor(n + 1, dtype=p.dtype)) - lgamma(k + 1) - lgamma(n - k + 1)
                     + xlogy(k, p) + xlogy(n - k, 1 - p))
        term2 = (log_binom.exp() * lgamma(k + 1)).sum([0, -1])
        return term1 + term2

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        logits = logits.clone()
        log_factorial_n = lgamma(value.sum(-1) + 1)
        log_factorial_xs = lgamma(value + 1).sum(-1)
        logits[(value == 0) & (logits == float("-inf"))] = 0
        log_powers = (logits * value).sum(-1)
        return log_factorial_n - log_factorial_xs + log_powers
