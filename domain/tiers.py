"""Campaign tiers (S > A > B > C) and their ordering."""

from enum import StrEnum


class Tier(StrEnum):
    S = "S"
    A = "A"
    B = "B"
    C = "C"

    @property
    def rank(self) -> int:
        """Higher rank means more company resources: S=3 ... C=0."""
        return _RANK[self]

    def is_below(self, other: "Tier") -> bool:
        return self.rank < other.rank


_RANK = {Tier.S: 3, Tier.A: 2, Tier.B: 1, Tier.C: 0}


def cap_tier(proposed: Tier, requested: Tier | None) -> Tier:
    """A requested tier is an upper bound: never raised, only lowered to."""
    if requested is not None and requested.is_below(proposed):
        return requested
    return proposed
