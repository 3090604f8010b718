"""The year planner without a server: `python -m planner solve --year 2027 --intents intents.json`."""
