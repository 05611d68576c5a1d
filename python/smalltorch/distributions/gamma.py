import numbers

import smalltorch as _st

from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, digamma, lgamma, tiny, xlogy

__all__ = ["Gamma"]


def _standard_gamma(concentration):
    from .._sampling import _standard_gamma as draw
    return draw(concentration)


class Gamma(Distribution):
    """The Gamma distribution with shape `concentration` and inverse scale `rate`.

    rsample's values carry gradients to both parameters: to `rate` through the division, to `concentration`
    through the standard Gamma draw's implicit reparameterisation (StandardGammaBackward0)."""

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def mode(self):
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self):
        return self.concentration / self.rate.pow(2)

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        batch_shape = _st.Size() if isinstance(concentration, numbers.Number) and isinstance(rate, numbers.Number) \
            else self.concentration.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def rsample(self, sample_shape=_st.Size()):
        shape = self._extended_shape(sample_shape)
        value = _standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)
        value.detach().clamp_(min=tiny(value.dtype))  # do not record in autograd graph
        return value

    def log_prob(self, value):
        value = _st.as_tensor(value, dtype=self.rate.dtype)
        if self._validate_args:
            self._validate_sample(value)
        return (xlogy(self.concentration, self.rate) + xlogy(self.concentration - 1, value) - self.rate * value
                - lgamma(self.concentration))

    def entropy(self):
        return (self.concentration - _st.log(self.rate) + lgamma(self.concentration)
                + (1.0 - self.concentration) * digamma(self.concentration))
