"""The LMDI (log-mean Divisia index, additive form) split of a sales gap.

Sales = traffic x average order value x conversion. Going from the forecast (S0) to the
actual (S1), factor k's part is L(S1, S0) * ln(x1_k / x0_k) with the logarithmic mean
L(a, b) = (a - b) / (ln a - ln b), L(a, a) = a. The parts sum to S1 - S0 exactly in
exact arithmetic, because sum ln(x1_k / x0_k) = ln(S1 / S0); in floating point the last
part takes the rounding residue, so the sum equals the gap to the last bit of one addition.

Zeros (a day without orders, a forecast of zero traffic) make the logarithms undefined.
The convention, the limit of the standard small-value replacement (Ang & Liu 2007) as
the replacement tends to zero, never gives NaN:
- S0 > 0 and S1 > 0: the formula above (no factor is zero).
- S0 = 0 < S1: the factors that are zero in the forecast share the whole gap S1 equally;
  the others get 0 (their logarithm is finite while the zero factors' is infinite).
- S1 = 0 < S0: the factors that are zero in the actual share -S0 equally; the others 0.
- S0 = S1 = 0: every part is 0 (there is no gap to explain).
"""

from __future__ import annotations

import math
from collections.abc import Mapping


def log_mean(a: float, b: float) -> float:
    """L(a, b) = (a - b) / (ln a - ln b) for a, b > 0; L(a, a) = a; 0 when either is 0."""
    if a <= 0 or b <= 0:
        return 0.0
    if a == b:
        return a
    d = math.log(a) - math.log(b)
    if d == 0.0:  # a and b closer than their logs can tell apart (an ulp or so): L(a, b) is a
        return a
    return (a - b) / d


def lmdi_split(before: Mapping[str, float], after: Mapping[str, float]) -> dict[str, float]:
    """Each factor's part of product(after) - product(before); keys in `before`'s order.

    Factors must be >= 0. The parts sum to the gap (see the module docstring for zeros)."""
    keys = list(before)
    if set(keys) != set(after):
        raise ValueError(f"factors differ: {sorted(before)} vs {sorted(after)}")
    if any(before[k] < 0 or after[k] < 0 for k in keys):
        raise ValueError("factors must not be negative")
    s0, s1 = math.prod(before[k] for k in keys), math.prod(after[k] for k in keys)
    gap = s1 - s0
    if s0 == 0 and s1 == 0:
        return {k: 0.0 for k in keys}
    if s0 == 0 or s1 == 0:
        side = before if s0 == 0 else after
        zeros = [k for k in keys if side[k] == 0]
        return {k: (gap / len(zeros) if k in zeros else 0.0) for k in keys}
    weight = log_mean(s1, s0)
    parts = {k: weight * math.log(after[k] / before[k]) for k in keys}
    # the last factor takes the floating-point residue, so the parts add up to the gap
    parts[keys[-1]] = gap - math.fsum(parts[k] for k in keys[:-1])
    return parts
