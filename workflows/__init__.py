"""Workflows orchestrate only: decisions come from domain/, writes go through activities/."""
