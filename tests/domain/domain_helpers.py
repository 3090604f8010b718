"""Builders shared by the domain tests."""

from domain.campaign import CampaignRequest, Forecast


def make_request(**kw) -> CampaignRequest:
    base = dict(
        request_id="r-1", name="Mid-Autumn mooncake festival", business_line="food", category="food",
        requested_tier="A", month="2027-09", revenue_target=12_000_000, gross_margin=0.18,
        forecast=Forecast(traffic=4_000_000, avg_order_value=150.0, conversion_rate=0.025),
    )
    base.update(kw)
    return CampaignRequest(**base)
