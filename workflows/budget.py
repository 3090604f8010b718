"""The marketing budget's part in the campaign workflow (DOMAIN.md "Money"), kept out of
campaign.py: the promotion cost C a reservation asks the year's marketing budget for.

C is read at the campaign's current forecast (the state's `forecast`: a downgrade scales
its traffic) with the current request's mechanics and paid traffic (an amendment may
change them). The reservation (activities/campaign.py `reserve_month`) judges it under the
year lock with the days and records it on the place, so cancel, rejection and expiry give
it back with the place. An amendment that raises C is material (domain/amend.py); once
approved again it reserves again (workflows/amend.py), so the raise is judged against the
budget. Histories recorded before carry no mechanics and no paid traffic: C is 0 there.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.campaign import CampaignRequest
    from domain.money import money_of
    from workflows.messages import CampaignState


def cost(state: CampaignState, request: CampaignRequest) -> float:
    """C at the campaign's current forecast, for the reservation."""
    forecast = state.forecast if state.forecast is not None else request.forecast
    return money_of(forecast.sales, request.gross_margin, request.mechanics, request.paid_traffic).cost
