"""Typed search attributes, upserted at each transition (registered by make run)."""

from temporalio.common import SearchAttributeKey

CAMPAIGN_STATUS = SearchAttributeKey.for_keyword("CampaignStatus")
CAMPAIGN_TIER = SearchAttributeKey.for_keyword("CampaignTier")
CAMPAIGN_MONTH = SearchAttributeKey.for_keyword("CampaignMonth")
BUSINESS_LINE = SearchAttributeKey.for_keyword("BusinessLine")
CATEGORY = SearchAttributeKey.for_keyword("Category")
ALL = (CAMPAIGN_STATUS, CAMPAIGN_TIER, CAMPAIGN_MONTH, BUSINESS_LINE, CATEGORY)
