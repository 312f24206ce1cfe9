"""The content of the report's documents, as plain data (dicts, lists, strings).

Pure builders: the replies, the instrument definition and the cycle's facts in, a document's
data out. The data is exactly what the PDF templates render and what ``inputs_sha256``
hashes, so equal data means an equal PDF. Paragraph, table and figure numbers are computed
here (easier to check than CSS counters). Callers activate the report's language.
"""

from reports.documents.addenda import (
    MAX_RESPONDENTS_PER_ADDENDUM,
    addenda_plan,
    addendum_data,
    display_answer,
)
from reports.documents.common import (
    PERSONAL_SECTION,
    analysed_sections,
    group_label,
    group_short_label,
    measures_by_item,
    response_rates,
    symbol_filename,
)
from reports.documents.main import main_document_data

__all__ = [
    "MAX_RESPONDENTS_PER_ADDENDUM",
    "PERSONAL_SECTION",
    "addenda_plan",
    "addendum_data",
    "analysed_sections",
    "display_answer",
    "group_label",
    "group_short_label",
    "main_document_data",
    "measures_by_item",
    "response_rates",
    "symbol_filename",
]
