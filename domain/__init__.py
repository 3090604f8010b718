"""The pure domain of promoflow: the promotion playbook as deterministic code.

Nothing in this package does I/O, reads the clock or draws random numbers, so every
module is safe inside the Temporal workflow sandbox. Numbers live in `policy.Policy`.
"""
