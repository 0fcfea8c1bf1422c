"""Connect-and-sell audit over a LinkedIn data export (pure Python; no Django).

>>> from pitchless.linkedin import read_export
>>> result = run_audit(read_export("export.zip"))  # doctest: +SKIP
>>> render_html(result), to_csv(result), to_json_dict(result)  # doctest: +SKIP

See ``docs/audit.md`` for the definitions, the quality figures and the speed figures.
"""

from ._audit import HISTOGRAM_BINS, Scorer, connected_at, is_pitch, run_audit
from ._export_formats import (
    CSV_COLUMNS,
    JSON_VERSION,
    safe_cell,
    to_csv,
    to_json_dict,
    write_json,
)
from ._html import iter_html, render_html, write_html
from ._models import (
    LIST_TITLES,
    AuditResult,
    AuditSettings,
    Category,
    PersonReport,
    ScoredMessage,
    Template,
    TimingStats,
)
from ._read_report import read_report_lines
from ._redact import initials, redact
from ._templates import cluster_keys, template_key
from ._terminal import print_report

__all__ = [
    "CSV_COLUMNS",
    "HISTOGRAM_BINS",
    "JSON_VERSION",
    "LIST_TITLES",
    "AuditResult",
    "AuditSettings",
    "Category",
    "PersonReport",
    "ScoredMessage",
    "Scorer",
    "Template",
    "TimingStats",
    "cluster_keys",
    "connected_at",
    "initials",
    "is_pitch",
    "iter_html",
    "print_report",
    "read_report_lines",
    "redact",
    "render_html",
    "run_audit",
    "safe_cell",
    "template_key",
    "to_csv",
    "to_json_dict",
    "write_html",
    "write_json",
]
