from __future__ import annotations

from typing import Any

import pytest

from tests.webhooks.receiver import receiver  # noqa: F401

LOOPBACK = "127.0.0.0/8,::1/128"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # The receiver listens on loopback: allowed here, refused by default.
    return {
        **app_config,
        "WEBHOOK_ALLOWED_NETWORKS": LOOPBACK,
        "PUBLIC_URL": "https://dobetter.test",
    }
