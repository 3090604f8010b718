"""The pure domain of promoflow: the promotion playbook as deterministic code.

Nothing in this package does I/O, reads the clock or draws random numbers, so every
module is safe inside the Temporal workflow sandbox. Numbers live in `policy.Policy`.

The playbook core sits here (policy, tiers, scoring, review, dates, balancing, money, the
campaign's events and fold); each other subject is a package owning its rules and events:
`planning/` (the year planner, the planning season), `approvals/` (roles, assignment,
delegations, milestones, team capacity), `results/` (actuals, outcome, forecast, report).
`events.EventBody` is the registry of every event type. Importing the core loads no solver.
"""
