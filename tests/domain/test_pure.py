"""The domain is pure: importing any of its modules loads no web framework and no database."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import scorecard.domain


def test_importing_the_domain_loads_no_web_framework_nor_database():
    modules = sorted(
        f"scorecard.domain.{m.name}" for m in pkgutil.walk_packages(scorecard.domain.__path__)
    )
    assert "scorecard.domain.scoring" in modules and "scorecard.domain.rules" in modules
    script = (
        f"import sys; import {', '.join(modules)}; "
        "print(sorted(m for m in ('flask', 'flask_login', 'sqlalchemy', 'jinja2') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
