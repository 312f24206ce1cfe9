"""What the report's documents share: formatting in the report's language, the facts of the
first page, and the builder that numbers paragraphs, tables and figures."""

from __future__ import annotations

from datetime import date, datetime

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from portal.models import RegionalGroup
from questionnaires.definition import QuestionDef, iter_questions
from questionnaires.models import localized
from reports import analysis
from reports.analysis import GROUPS, ORGANIZATIONS
from reports.inputs import Reply

PERSONAL_SECTION = "contact"  # names, e-mails and telephones stay out of the documents
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def group_label(group: str) -> str:
    if group == ORGANIZATIONS:
        return _("Intergovernmental organizations and United Nations institutes")
    return str(RegionalGroup(group).label)


def group_short_label(group: str) -> str:
    return {
        "AFRICAN": _("African"),
        "APG": _("Asia-Pacific"),
        "EEG": _("Eastern European"),
        "GRULAC": _("Latin American and Caribbean"),
        "WEOG": _("Western European and other"),
        ORGANIZATIONS: _("Organizations"),
    }[group]


def long_date(value: date | datetime | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    return date_format(value, "j F Y")


def number(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return number_format(value, decimal_pos=None if isinstance(value, int) else 1, force_grouping=True)


def session_ordinal(n: int, language: str) -> str:
    """ "Eighth session" (en) or "Huitième session" (fr)."""
    if language.startswith("fr"):
        return _french_ordinal(n).capitalize() + " session"
    return _english_ordinal(n) + " session"


_EN_UNITS = [
    "",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
]
_EN_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_EN_TENS_ORDINAL = ["", "", "twentieth", "thirtieth", "fortieth", "fiftieth", "sixtieth", "seventieth"]


def _english_ordinal(n: int) -> str:
    if n < 20:
        word = _EN_UNITS[n]
    elif n < 80:
        tens, units = divmod(n, 10)
        word = _EN_TENS_ORDINAL[tens] if not units else f"{_EN_TENS[tens]}-{_EN_UNITS[units]}"
    else:
        return f"{n}th"
    return word.capitalize()


_FR = [
    "",
    "première",
    "deuxième",
    "troisième",
    "quatrième",
    "cinquième",
    "sixième",
    "septième",
    "huitième",
    "neuvième",
    "dixième",
    "onzième",
    "douzième",
    "treizième",
    "quatorzième",
    "quinzième",
    "seizième",
    "dix-septième",
    "dix-huitième",
    "dix-neuvième",
]
_FR_TENS = ["", "", "vingt", "trente", "quarante", "cinquante", "soixante"]


def _french_ordinal(n: int) -> str:
    if n < 20:
        return _FR[n]
    tens, units = divmod(n, 10)
    if n >= 70 or tens >= len(_FR_TENS):
        return f"{n}e"
    if units == 0:
        return _FR_TENS[tens] + "ième"
    if units == 1:
        return f"{_FR_TENS[tens]} et unième"
    return f"{_FR_TENS[tens]}-{_FR[units]}"


def symbol_filename(symbol: str) -> str:
    """The file name contract: E/CN.15/1999/3/Add.1 -> E-CN.15-1999-3-Add.1.pdf."""
    return symbol.replace("/", "-") + ".pdf"


def question_text(question: QuestionDef) -> str:
    return localized(question.text)


def quoted(text: str) -> str:
    """A question quoted inside a sentence, without its closing full stop."""
    return _("“%(text)s”") % {"text": text.rstrip().removesuffix(".")}


# -- the cover facts shared by every document --------------------------------------------


def cover(*, cycle: dict, symbol: str, as_of: datetime | str, language: str) -> dict:
    start, end = cycle.get("session_start"), cycle.get("session_end")
    if start and end:
        start_d, end_d = date.fromisoformat(start), date.fromisoformat(end)
        first = date_format(start_d, "j F") if start_d.year == end_d.year else long_date(start_d)
        dates = f"{cycle['venue']}, {first}–{long_date(end_d)}"
    else:
        dates = f"{cycle['venue']}, {cycle['session_year']}"
    # W3C date-time without fractions: WeasyPrint writes it as the PDF's creation date.
    as_of_text = as_of if isinstance(as_of, str) else as_of.replace(microsecond=0).isoformat()
    return {
        "symbol": symbol,
        "filename": symbol_filename(symbol),
        "language": language,
        "date": long_date(as_of_text[:10]),
        "as_of": as_of_text,
        "session": session_ordinal(cycle["session_number"], language),
        "venue_dates": dates,
        "agenda": _("Item %(item)d of the provisional agenda") % {"item": cycle["agenda_item"]},
        "title": cycle["title"],
    }


# -- the main document -------------------------------------------------------------------


def version_label(reply: Reply) -> str:
    kinds = {
        "initial": _("initial response"),
        "amended": _("amended response"),
        "secretariat_amendment": _("amended by the secretariat"),
    }
    return f"{reply.number} ({kinds.get(reply.version_kind, reply.version_kind)})"


def analysed_sections(definition: dict) -> list[dict]:
    """The sections that chapter II analyses, one chapter each: all but the contact details."""
    return [s for s in definition["sections"] if s["code"] != PERSONAL_SECTION]


def response_rates(replies: list[Reply], asked: dict[str, int]) -> list[tuple[str, int, int, int]]:
    """(group, asked, replied, response rate in per cent) for each group asked or replying."""
    rates = []
    for group in GROUPS:
        n_asked = asked.get(group, 0)
        n_replied = sum(1 for r in replies if analysis.group_of(r) == group)
        if n_asked or n_replied:
            rates.append((group, n_asked, n_replied, round(100 * n_replied / n_asked) if n_asked else 0))
    return rates


def measures_by_item(definition: dict, replies: list[Reply]) -> list[tuple[str, dict[str, int]]]:
    """For each analysed section: its label and the yes/partly/no/unknown answers to all of
    its yes_no_partly questions (the 'measures by item' chart)."""
    questions = list(iter_questions(definition))
    items = []
    for index, spec in enumerate(analysed_sections(definition)):
        counts = dict.fromkeys(analysis.YES_NO_PARTLY, 0)
        for q in questions:
            if q.section == spec["code"] and q.type == "yes_no_partly":
                tally = analysis.tally(q, replies)
                for key in counts:
                    counts[key] += tally.counts[key]
        if sum(counts.values()):
            items.append((f"{LETTERS[index]}. {localized(spec['title'])}", counts))
    return items


class Builder:
    """Collects sections and blocks, numbering paragraphs, tables and figures as it goes."""

    def __init__(self):
        self.sections: list[dict] = []
        self.paragraph = 0
        self.tables = 0
        self.figures = 0

    def section(self, heading: str, *, level: int, label: str = "", anchor: str, annex: bool = False):
        section = {
            "anchor": anchor,
            "label": label,
            "heading": heading,
            "level": level,
            "annex": annex,
            "wide": False,
            "blocks": [],
        }
        self.sections.append(section)
        return section

    def para(self, section: dict, text: str, *, quote: str = "", cite: str = "") -> None:
        self.paragraph += 1
        section["blocks"].append(
            {"type": "para", "number": self.paragraph, "text": text, "quote": quote, "cite": cite}
        )

    def extract(self, section: dict, who: str, text: str) -> None:
        self.paragraph += 1
        section["blocks"].append({"type": "extract", "number": self.paragraph, "who": who, "text": text})

    def subheading(self, section: dict, text: str) -> None:
        section["blocks"].append({"type": "subheading", "text": text})

    def table(
        self,
        section: dict,
        caption: str,
        head: list[str],
        rows: list[list],
        *,
        note: str = "",
        css: str = "numeric",
    ) -> str:
        self.tables += 1
        label = _("Table %(n)d") % {"n": self.tables}
        section["blocks"].append(
            {
                "type": "table",
                "label": label,
                "caption": caption,
                "head": head,
                "rows": rows,
                "note": note,
                "css": css,
            }
        )
        return label

    def figure(self, section: dict, caption: str, svg: str) -> str:
        self.figures += 1
        label = _("Figure %(n)s") % {"n": ROMAN[self.figures - 1]}
        section["blocks"].append({"type": "figure", "label": label, "caption": caption, "svg": svg})
        return label

    def contents(self) -> list[dict]:
        """Contents entries (levels 1 and 2) with the range of paragraphs each spans."""
        entries = []
        for index, section in enumerate(self.sections):
            if section["level"] > 2:
                continue
            numbers = []
            for later in self.sections[index:]:
                if later is not section and later["level"] <= section["level"]:
                    break
                numbers += [b["number"] for b in later["blocks"] if "number" in b]
            paras = ""
            if numbers and not section["annex"]:
                first, last = min(numbers), max(numbers)
                paras = str(first) if first == last else f"{first}–{last}"
            entries.append(
                {k: section[k] for k in ("anchor", "label", "heading", "level", "annex")} | {"paras": paras}
            )
        return entries
