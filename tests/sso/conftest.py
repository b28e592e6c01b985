from __future__ import annotations

from typing import Any

import pytest

from tests.sso.provider import CLIENT_ID, CLIENT_SECRET, provider  # noqa: F401


@pytest.fixture
def app_config(app_config: dict[str, Any], provider) -> dict[str, Any]:  # noqa: F811
    return {
        **app_config,
        "SSO_ISSUER": provider.issuer,
        "SSO_CLIENT_ID": CLIENT_ID,
        "SSO_CLIENT_SECRET": CLIENT_SECRET,
        "SSO_NAME": "Example Corp",
        "SSO_DOMAIN_TEAMS": "example.com=operations",
    }
