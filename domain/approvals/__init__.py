"""Approvals and people: who decides and who does the work, as pure rules over the policy.

- `rules`: the team's approval rules as policy sections (what makes an amendment material,
  the inbox's assignment, who may delegate to whom).
- `roles`: the four roles and who may read, decide, or act as "the owning line or ops".
- `assignment`: who a campaign in review waits for, and who an escalation goes to.
- `people`: the shapes of preparation (milestone and team specs, a campaign's milestones).
- `preparation`: milestones worked back from the burst, team capacity per ISO week.

Kept apart from the playbook core (`domain/policy.py`, `domain/scoring.py`, ...) so the tier
rules and the team's rules can be read, and changed, on their own.
"""
