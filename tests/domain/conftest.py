import pytest

from domain.policy import Policy


@pytest.fixture(scope="session")
def policy() -> Policy:
    return Policy.for_year(2027)
