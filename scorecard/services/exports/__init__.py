"""Quarterly scorecards: gather the figures, write the workbook under EXPORT_DIR, list past ones.

In three modules: `scope` (which teams an export covers and its name), `figures` (collecting
what the workbook shows), `store` (the files under EXPORT_DIR and their JSON sidecars). The
names below are the package's public API, so that callers write `exports.create(...)`.
"""

from __future__ import annotations

from scorecard.services.exports.figures import (  # noqa: F401
    BATCH,
    TREND_QUARTERS,
    count_decisions,
    decision_rows,
    reviews_due_rows,
    scorecard,
)
from scorecard.services.exports.scope import (  # noqa: F401
    ExportForbidden,
    ExportNotFound,
    export_scope,
    quarters_to_offer,
    scope_name,
)
from scorecard.services.exports.store import (  # noqa: F401
    COMMAND_LINE,
    EXPORT_ID,
    XLSX_MIME,
    ExportRecord,
    create,
    find,
    past_exports,
    write,
    write_file,
)
