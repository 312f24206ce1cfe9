"""The paragraphs of the resolutions that a report quotes in its introduction and summary:
what the Council asked the Secretary-General to gather, and to report. Texts as adopted
(see /work/shared/mandate), keyed by the instrument code's prefix."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Quote:
    paragraph: str
    text: str


@dataclass(frozen=True)
class Mandate:
    resolution: str
    request: Quote
    report: Quote
    purpose: str  # what the report is about, for the summary


MANDATES = {
    "1997-34": Mandate(
        resolution="1997/34",
        request=Quote(
            "2",
            "Requests the Secretary-General, utilizing a questionnaire or other means to ensure "
            "standardized responses, to seek from Member States, as well as from any interested "
            "intergovernmental organizations or United Nations institutes, information related to the "
            "implementation of the Declaration",
        ),
        report=Quote(
            "5",
            "Requests the Secretary-General to compile the responses received for submission as a "
            "report to the Commission on Crime Prevention and Criminal Justice at its eighth session, "
            "if possible within existing resources",
        ),
        purpose="the implementation of the United Nations Declaration on Crime and Public Security",
    ),
    "2004-28": Mandate(
        resolution="2004/28",
        request=Quote(
            "8",
            "Invites Member States to reply concerning the information-gathering instruments and to "
            "indicate their needs for technical assistance in the areas covered by the standards and "
            "norms referred to in paragraph 5 above",
        ),
        report=Quote(
            "9",
            "Requests the Secretary-General to report to the Commission on Crime Prevention and Criminal "
            "Justice at its fifteenth session on the use and application of the United Nations standards "
            "and norms referred to in paragraph 5 above, in particular as regards: (a) The difficulties "
            "encountered in the application of the United Nations standards and norms in crime prevention "
            "and criminal justice; (b) Ways in which technical assistance can be provided to overcome "
            "those difficulties; (c) Useful practices in addressing persisting and emerging challenges in "
            "crime prevention and criminal justice",
        ),
        purpose="the use and application of United Nations standards and norms in crime prevention and "
        "criminal justice",
    ),
}


def mandate_for(instrument_code: str) -> Mandate | None:
    """The mandate of an instrument, or None for an instrument without one here (the report
    then cites the definition's ``mandate`` without quoting)."""
    return next((m for prefix, m in MANDATES.items() if instrument_code.startswith(prefix)), None)
