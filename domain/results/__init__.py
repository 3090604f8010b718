"""Results: which part of a campaign makes money (DOMAIN.md "Results: which part makes money").

Pure and deterministic like the rest of `domain/`: the workflow, the activities, the API,
the history import and the report all call the same functions, so a rebuilt projection,
a replayed workflow and a live answer agree to the last digit.

- `lmdi`: the log-mean Divisia split of a gap across traffic, order value and conversion.
- `actuals`: a day's figures, the checks a batch passes before anything is stored, and
  how a batch splits into new days and corrections.
- `outcome`: forecast against actual for a campaign and each phase, fatigue, gross profit.
- `forecast`: a line's past results as a forecast, and the check of a new request against it.
- `report`: a year's campaigns, lines and tiers ranked by gross profit per counted day.
- `events`: the results events of a campaign's stream (actuals, corrections, outcome).
"""
