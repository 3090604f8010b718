"""Typed search attributes, upserted at each transition (registered by make run)."""

from temporalio import workflow
from temporalio.common import SearchAttributeKey

with workflow.unsafe.imports_passed_through():
    from domain.tiers import Tier
    from workflows.messages import CampaignState

CAMPAIGN_STATUS = SearchAttributeKey.for_keyword("CampaignStatus")
CAMPAIGN_TIER = SearchAttributeKey.for_keyword("CampaignTier")
CAMPAIGN_MONTH = SearchAttributeKey.for_keyword("CampaignMonth")
BUSINESS_LINE = SearchAttributeKey.for_keyword("BusinessLine")
CATEGORY = SearchAttributeKey.for_keyword("Category")
ALL = (CAMPAIGN_STATUS, CAMPAIGN_TIER, CAMPAIGN_MONTH, BUSINESS_LINE, CATEGORY)


class Upserter:
    """The campaign's search attributes, upserted only when they change (no command otherwise)."""

    def __init__(self) -> None:
        self.last: tuple[str, ...] | None = None

    def upsert(self, s: CampaignState) -> None:
        values = (s.status.value, (s.tier or s.proposed_tier or s.requested_tier or Tier.C).value, s.month)
        if values == self.last:
            return
        self.last = values
        workflow.upsert_search_attributes([
            CAMPAIGN_STATUS.value_set(values[0]),
            CAMPAIGN_TIER.value_set(values[1]),
            CAMPAIGN_MONTH.value_set(s.month),
            BUSINESS_LINE.value_set(s.business_line),
            CATEGORY.value_set(s.category),
        ])
