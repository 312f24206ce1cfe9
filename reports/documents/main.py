"""The main document: the Secretary-General's report (cover, summary, contents, chapters
I-III, annexes)."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.models import RegionalGroup
from questionnaires.answers import is_special
from questionnaires.definition import QuestionDef, iter_questions
from questionnaires.models import localized
from reports import analysis
from reports.analysis import GROUPS, ORGANIZATIONS
from reports.documents.common import (
    LETTERS,
    ROMAN,
    Builder,
    analysed_sections,
    cover,
    group_label,
    group_short_label,
    long_date,
    measures_by_item,
    number,
    question_text,
    quoted,
    response_rates,
    version_label,
)
from reports.inputs import Reply
from reports.mandates import Mandate, mandate_for
from reports.renderers.charts import measures_chart_svg, response_rate_chart_svg

EXTRACTS_PER_QUESTION = 3
EXTRACT_WORDS = 60


def main_document_data(
    *,
    cycle: dict,
    definition: dict,
    replies: list[Reply],
    asked: dict[str, int],
    conclusions: str,
    treaties: dict[str, str],
    addenda: list[dict],
    as_of: datetime,
    language: str,
) -> dict:
    """The Secretary-General's report: cover, summary, contents, chapters I-III, annexes."""
    questions = list(iter_questions(definition))
    mandate = mandate_for(cycle["instrument_code"])
    treaty_questions = [q for q in questions if q.type == "treaty_matrix"]
    ta_questions = [
        q
        for q in questions
        if analysis.is_technical_assistance(q) and q.type in ("single_choice", "multiple_choice")
    ]
    annexes = ["respondents", *(["treaties"] if treaty_questions else []), *(["ta"] if ta_questions else [])]
    annex_labels = {key: ROMAN[index] for index, key in enumerate(annexes)}
    symbols = [a["symbol"] for a in addenda]
    addenda_range = f"{symbols[0]}–{symbols[-1].rsplit('/', 1)[-1]}" if len(symbols) > 1 else "".join(symbols)

    b = Builder()
    _introduction(
        b,
        cycle=cycle,
        definition=definition,
        mandate=mandate,
        replies=replies,
        asked=asked,
        as_of=as_of,
        respondents_annex=annex_labels["respondents"],
        addenda_range=addenda_range,
    )
    _analysis(
        b,
        definition=definition,
        replies=replies,
        treaties=treaties,
        treaty_annex=annex_labels.get("treaties", ""),
    )
    _conclusions(b, conclusions)
    _annex_respondents(b, label=annex_labels["respondents"], replies=replies)
    if treaty_questions:
        _annex_treaties(
            b, label=annex_labels["treaties"], questions=treaty_questions, replies=replies, treaties=treaties
        )
    if ta_questions:
        _annex_technical_assistance(
            b, label=annex_labels["ta"], questions=ta_questions, replies=replies, definition=definition
        )
    return {
        "kind": "main",
        **cover(cycle=cycle, symbol=cycle["symbol"], as_of=as_of, language=language),
        "summary": _summary(
            definition=definition,
            mandate=mandate,
            replies=replies,
            asked=asked,
            as_of=as_of,
            addenda_range=addenda_range,
        ),
        "contents": b.contents(),
        "sections": b.sections,
        "addenda": [{"symbol": a["symbol"], "title": a["title"]} for a in addenda],
    }


def _counts(replies: list[Reply], asked: dict[str, int]) -> dict:
    members = sum(1 for r in replies if r.regional_group)
    return {
        "total": len(replies),
        "members": members,
        "others": len(replies) - members,
        "asked": sum(asked.values()),
        "asked_states": sum(asked.get(g, 0) for g in RegionalGroup.values),
        "asked_others": asked.get(ORGANIZATIONS, 0),
    }


def _summary(
    *, definition: dict, mandate: Mandate | None, replies: list[Reply], asked: dict, as_of, addenda_range: str
) -> str:
    counts = _counts(replies, asked)
    summary = _(
        "The present report is submitted pursuant to Economic and Social Council resolution %(res)s. It "
        "summarizes the %(total)d replies on %(purpose)s received by %(cutoff)s: %(members)d from Member "
        "States and %(others)d from intergovernmental organizations and United Nations institutes, out of "
        "%(asked)d asked. It analyses, item by item, the measures reported, by regional group, and quotes "
        "extracts of the replies with their source. The conclusions and recommendations are in chapter III."
    ) % {
        **counts,
        "res": mandate.resolution if mandate else definition["mandate"],
        "purpose": mandate.purpose if mandate else localized(definition["title"]),
        "cutoff": long_date(as_of),
    }
    if addenda_range:
        summary += " " + _("The replies are reproduced in full in the addenda (%(range)s).") % {
            "range": addenda_range
        }
    return summary


def _introduction(
    b: Builder,
    *,
    cycle: dict,
    definition: dict,
    mandate: Mandate | None,
    replies: list[Reply],
    asked: dict,
    as_of,
    respondents_annex: str,
    addenda_range: str,
) -> None:
    """I. The mandate, quoted; when the questionnaire went out; the replies by the cutoff, by
    regional group; how chapter II reads and where the full replies are."""
    intro = b.section(_("Introduction"), level=1, label="I.", anchor="introduction")
    if mandate:
        for quote, opening in (
            (
                mandate.request,
                _("In paragraph %(p)s of its resolution %(res)s, the Economic and Social Council:"),
            ),
            (mandate.report, _("In paragraph %(p)s of the same resolution, the Council:")),
        ):
            b.para(
                intro,
                opening % {"p": quote.paragraph, "res": mandate.resolution},
                quote=quote.text,
                cite=_("Economic and Social Council resolution %(res)s, para. %(p)s")
                % {"res": mandate.resolution, "p": quote.paragraph},
            )
    else:
        b.para(
            intro,
            _("The present report is submitted pursuant to %(mandate)s.")
            % {"mandate": definition["mandate"]},
        )
    counts = _counts(replies, asked)
    sent = (
        _(
            "The questionnaire, “%(title)s” (version %(version)d), was sent on %(opened)s to "
            "%(asked_states)d Member States and %(asked_others)d intergovernmental organizations and United "
            "Nations institutes, with a deadline of %(deadline)s."
        )
        if counts["asked_others"]
        else _(
            "The questionnaire, “%(title)s” (version %(version)d), was sent on %(opened)s to "
            "%(asked_states)d Member States, with a deadline of %(deadline)s."
        )
    )
    b.para(
        intro,
        sent
        % {
            **counts,
            "title": cycle["instrument_title"],
            "version": cycle["instrument_number"],
            "opened": long_date(cycle["opened"]),
            "deadline": long_date(cycle["deadline"]),
        },
    )
    b.para(
        intro,
        _(
            "By %(cutoff)s, the cutoff date for the present report, %(total)d replies had been received and "
            "accepted: %(members)d from Member States and %(others)d from intergovernmental organizations "
            "and United Nations institutes. The replies by regional group are shown in %(table)s and "
            "%(figure)s."
        )
        % {
            **counts,
            "cutoff": long_date(as_of),
            "table": _("table %(n)d") % {"n": b.tables + 1},
            "figure": _("figure %(n)s") % {"n": ROMAN[b.figures]},
        },
    )
    rates = response_rates(replies, asked)
    total_rate = round(100 * counts["total"] / counts["asked"]) if counts["asked"] else 0
    b.table(
        intro,
        _("Replies by regional group"),
        [_("Regional group"), _("Asked"), _("Replied"), _("Response rate (%)")],
        [[group_label(g), n_asked, n_replied, f"{share}"] for g, n_asked, n_replied, share in rates]
        + [[_("Total"), counts["asked"], counts["total"], f"{total_rate}"]],
    )
    b.figure(
        intro,
        _("Response rate by regional group (per cent)"),
        response_rate_chart_svg([(group_short_label(g), share) for g, _asked, _replied, share in rates]),
    )
    b.para(
        intro,
        _(
            "Chapter II analyses the replies item by item: how many respondents report each measure, by "
            "regional group, with extracts of replies. Every extract names the respondent and the version of "
            "its reply from which it is taken, for example “%(example)s”, so that each statement can be "
            "traced to what the respondent submitted. The respondents are listed in annex %(annex)s."
        )
        % {
            "example": replies[0].provenance if replies else _("France (version 2)"),
            "annex": respondents_annex,
        },
    )
    if addenda_range:
        b.para(
            intro,
            _(
                "The replies are reproduced in full, by regional group, in the addenda to the present report "
                "(%(range)s)."
            )
            % {"range": addenda_range},
        )


def _analysis(
    b: Builder, *, definition: dict, replies: list[Reply], treaties: dict, treaty_annex: str
) -> None:
    """II. One chapter per section of the instrument, after a chart of the measures by item."""
    chapter = b.section(_("Analysis of the replies"), level=1, label="II.", anchor="analysis")
    items = measures_by_item(definition, replies)
    if items:
        b.para(
            chapter,
            _(
                "The following sections take the items of the questionnaire in turn. %(figure)s shows, for "
                "each item, the share of yes, partly and no answers to the questions on measures in place."
            )
            % {"figure": _("Figure %(n)s") % {"n": ROMAN[b.figures]}},
        )
        b.figure(chapter, _("Measures reported, by item (per cent of answers)"), measures_chart_svg(items))
    questions = list(iter_questions(definition))
    for index, spec in enumerate(analysed_sections(definition)):
        _analysis_chapter(
            b,
            spec=spec,
            letter=LETTERS[index],
            questions=[q for q in questions if q.section == spec["code"]],
            replies=replies,
            treaties=treaties,
            treaty_annex=treaty_annex,
        )


def _conclusions(b: Builder, conclusions: str) -> None:
    """III. The secretariat's text, a numbered paragraph per paragraph."""
    section = b.section(_("Conclusions and recommendations"), level=1, label="III.", anchor="conclusions")
    paragraphs = [" ".join(p.split()) for p in conclusions.replace("\r\n", "\n").split("\n\n") if p.strip()]
    for text in paragraphs or [
        _("[The secretariat has not yet written its conclusions and recommendations.]")
    ]:
        b.para(section, text)


def _analysis_chapter(
    b: Builder,
    *,
    spec: dict,
    letter: str,
    questions: list[QuestionDef],
    replies: list[Reply],
    treaties: dict,
    treaty_annex: str,
) -> None:
    chapter = b.section(localized(spec["title"]), level=2, label=f"{letter}.", anchor=f"item-{spec['code']}")
    intro = localized(spec.get("intro"))
    answered = analysis.answered_any(replies, questions)
    text = (
        _("Under %(mandate)s, the questionnaire asked: %(intro)s")
        % {"mandate": spec["mandate"], "intro": intro}
        if intro
        else _("This part of the questionnaire implements %(mandate)s.") % {"mandate": spec["mandate"]}
    )
    text += " " + ngettext(
        "%(n)d of the %(total)d respondents answered at least one of its questions.",
        "%(n)d of the %(total)d respondents answered at least one of its questions.",
        answered,
    ) % {"n": answered, "total": len(replies)}
    b.para(chapter, text)

    groups = {}
    for q in questions:
        groups.setdefault(q.group, []).append(q)
    group_titles = {item["group"]: localized(item["title"]) for item in spec["items"] if "group" in item}
    current = chapter
    numbered = 0
    for group, members in groups.items():
        if group:
            numbered += 1
            current = b.section(
                group_titles.get(group, group), level=3, label=f"{numbered}.", anchor=f"group-{group}"
            )
        for q in members:
            _describe(b, current, q, replies, treaties=treaties, treaty_annex=treaty_annex)

    yes_no = [q for q in questions if q.type == "yes_no_partly"]
    tallies = [(q, analysis.tally(q, replies)) for q in yes_no]
    tallies = [(q, t) for q, t in tallies if t.replied]
    if tallies:
        closing = current
        b.table(
            closing,
            _("Measures reported: %(item)s") % {"item": localized(spec["title"])},
            [
                _("Question"),
                _("Yes"),
                _("Partly"),
                _("No"),
                _("Unknown"),
                _("Not applicable or no information"),
            ],
            [
                [
                    question_text(q),
                    t.counts["yes"],
                    t.counts["partly"],
                    t.counts["no"],
                    t.counts["unknown"],
                    t.special,
                ]
                for q, t in tallies
            ],
        )
        b.table(
            closing,
            _("Respondents reporting the measure in whole or in part, by regional group: %(item)s")
            % {"item": localized(spec["title"])},
            [_("Question"), *[group_short_label(g) for g in GROUPS], _("Total")],
            [
                [
                    question_text(q),
                    *[
                        f"{t.by_group[g]['yes'] + t.by_group[g]['partly']}/{t.by_group[g]['answered']}"
                        for g in GROUPS
                    ],
                    f"{t.positive}/{t.answered}",
                ]
                for q, t in tallies
            ],
            note=_("Each cell: respondents replying yes or partly / respondents answering."),
        )


def _describe(
    b: Builder, section: dict, q: QuestionDef, replies: list[Reply], *, treaties, treaty_annex
) -> None:
    """One question's paragraph(s), by type."""
    if q.type in ("date", "links", "attachments", "short_text"):
        return
    t = analysis.tally(q, replies)
    if not t.replied:
        return
    text = quoted(question_text(q))
    if not t.answered:
        b.para(
            section,
            ngettext(
                "The one respondent that replied to %(q)s indicated that it did not apply or that no "
                "information was available.",
                "All %(n)d respondents that replied to %(q)s indicated that it did not apply or that no "
                "information was available.",
                t.special,
            )
            % {"n": t.special, "q": text},
        )
        return
    special = (
        " "
        + ngettext(
            "%(n)d more indicated that the question did not apply or that no information was available.",
            "%(n)d more indicated that the question did not apply or that no information was available.",
            t.special,
        )
        % {"n": t.special}
        if t.special
        else ""
    )
    if q.type == "yes_no_partly":
        answer = _(
            "%(q)s Of the %(n)d respondents that answered, %(yes)d replied yes, %(partly)d partly "
            "and %(no)d no"
        ) % {
            "q": text,
            "n": t.answered,
            "yes": t.counts["yes"],
            "partly": t.counts["partly"],
            "no": t.counts["no"],
        }
        if t.counts["unknown"]:
            answer += _("; %(n)d did not know") % {"n": t.counts["unknown"]}
        b.para(section, answer + "." + special)
    elif q.type in ("single_choice", "multiple_choice"):
        labels = {c["code"]: localized(c["label"]) for c in q.spec["choices"]}
        parts = "; ".join(f"{labels[code]}: {t.counts[code]}" for code in labels if t.counts[code])
        template = (
            _("%(q)s (%(n)d replies): %(parts)s.")
            if q.type == "single_choice"
            else _("%(q)s Respondents selecting each option (%(n)d replies): %(parts)s.")
        )
        b.para(section, template % {"q": text, "n": t.answered, "parts": parts} + special)
    elif q.type in ("integer", "decimal", "year"):
        unit = localized(q.spec.get("unit"))
        fmt = str if q.type == "year" else number
        b.para(
            section,
            _(
                "%(n)d respondents gave a figure for %(q)s: median %(median)s, lowest %(min)s, "
                "highest %(max)s%(unit)s."
            )
            % {
                "n": t.answered,
                "q": text,
                "median": fmt(analysis.median(t.numbers)),
                "min": fmt(min(t.numbers)),
                "max": fmt(max(t.numbers)),
                "unit": f" {unit}" if unit else "",
            }
            + special,
        )
    elif q.type == "long_text":
        b.para(
            section,
            ngettext(
                "%(n)d respondent replied to %(q)s",
                "%(n)d respondents replied to %(q)s",
                t.answered,
            )
            % {"n": t.answered, "q": text}
            + (_("; extracts follow.") if t.texts else ".")
            + special,
        )
        for reply, value in analysis.pick_extracts(t.texts, limit=EXTRACTS_PER_QUESTION):
            b.extract(section, reply.provenance, analysis.extract(value, words=EXTRACT_WORDS))
    elif q.type == "table":
        column = next((c for c in q.spec["columns"] if c["type"] == "single_choice"), None)
        by = ""
        if column and t.counts:
            labels = {c["code"]: localized(c["label"]) for c in column["choices"]}
            by = (
                " ("
                + "; ".join(f"{labels[code]}: {t.counts[code]}" for code in labels if t.counts[code])
                + ")"
            )
        b.para(
            section,
            _("%(n)d respondents listed %(rows)d entries in reply to %(q)s%(by)s.")
            % {"n": t.answered, "rows": t.rows, "q": text, "by": by}
            + special,
        )
    elif q.type == "treaty_matrix":
        table_ref = _("table %(n)d") % {"n": b.tables + 1}
        b.para(
            section,
            _(
                "%(n)d respondents reported their status with regard to the %(k)d treaties listed in the "
                "questionnaire. The number of parties to each treaty among them is shown in %(table)s; the "
                "status reported by each respondent is in annex %(annex)s."
            )
            % {"n": t.answered, "k": len(q.spec["treaties"]), "table": table_ref, "annex": treaty_annex}
            + special,
        )
        b.table(
            section,
            _("Status of adherence reported by the respondents"),
            [_("Treaty"), _("Parties"), _("Signatories"), _("Not parties")],
            [
                [
                    treaties.get(code, code),
                    sum(t.counts[(code, s)] for s in analysis.PARTIES),
                    t.counts[(code, "signed")],
                    t.counts[(code, "not_party")],
                ]
                for code in q.spec["treaties"]
            ],
        )


def _annex_respondents(b: Builder, *, label: str, replies: list[Reply]) -> None:
    section = b.section(
        _("Respondents by regional group"), level=1, label=f"{label}.", anchor="annex-respondents", annex=True
    )
    for group, members in analysis.replies_by_group(replies).items():
        if not members:
            continue
        b.subheading(section, f"{group_label(group)} ({len(members)})")
        b.table(
            section,
            group_label(group),
            [_("Respondent"), _("Version used"), _("Date of the version")],
            [[r.respondent_name, version_label(r), long_date(r.created_at)] for r in members],
            css="text",
        )


TREATY_STATUS_CODES = {"ratified": "R", "acceded": "A", "succeeded": "Sc", "signed": "S", "not_party": "–"}


def _annex_treaties(b: Builder, *, label: str, questions, replies: list[Reply], treaties: dict) -> None:
    section = b.section(
        _("Status of adherence to the international treaties"),
        level=1,
        label=f"{label}.",
        anchor="annex-treaties",
        annex=True,
    )
    section["wide"] = True
    for q in questions:
        codes = q.spec["treaties"]
        b.table(
            section,
            _("Treaties"),
            [_("No."), _("Treaty")],
            [[index, treaties.get(code, code)] for index, code in enumerate(codes, start=1)],
            css="legend",
        )
        rows = []
        for reply in replies:
            value = analysis.answer_of(reply, q)
            if value is None:
                continue
            if is_special(value):
                rows.append([reply.respondent_name, *[""] * len(codes)])
                continue
            rows.append(
                [
                    reply.respondent_name,
                    *[TREATY_STATUS_CODES.get(value.get(c, {}).get("status"), "") for c in codes],
                ]
            )
        b.table(
            section,
            _("Status reported by each respondent"),
            [_("Respondent"), *[str(i) for i in range(1, len(codes) + 1)]],
            rows,
            note=_(
                "R: ratified; A: acceded; Sc: succeeded; S: signed; –: not a party; blank: no information."
            ),
        )


def _annex_technical_assistance(
    b: Builder, *, label: str, questions, replies: list[Reply], definition: dict
) -> None:
    section = b.section(
        _("Technical assistance needs"),
        level=1,
        label=f"{label}.",
        anchor="annex-technical-assistance",
        annex=True,
    )
    section_titles = {s["code"]: localized(s["title"]) for s in definition["sections"]}
    for q in questions:
        t = analysis.tally(q, replies)
        if not t.answered:
            continue
        labels = {c["code"]: localized(c["label"]) for c in q.spec["choices"]}
        b.table(
            section,
            f"{section_titles[q.section]}: {question_text(q)}",
            [_("Need"), *[group_short_label(g) for g in GROUPS], _("Total")],
            [
                [labels[code], *[t.by_group[g][code] for g in GROUPS], t.counts[code]]
                for code in labels
                if t.counts[code]
            ],
        )
    # Per respondent: a column per question when they are all in one section (1997/34: areas,
    # priority); otherwise one column listing the needs by section (2004/28: per standard).
    sections = list(dict.fromkeys(q.section for q in questions))
    one_section = len(sections) == 1
    head = [_("Respondent"), *([question_text(q) for q in questions] if one_section else [_("Needs")])]
    rows = []
    for reply in replies:
        cells = []
        for q in questions:
            value = analysis.answer_of(reply, q)
            labels = {c["code"]: localized(c["label"]) for c in q.spec["choices"]}
            chosen = (
                "; ".join(labels[v] for v in (value if isinstance(value, list) else [value]))
                if value is not None and not is_special(value)
                else ""
            )
            cells.append(chosen if one_section or not chosen else f"{section_titles[q.section]}: {chosen}")
        if any(cells):
            rows.append([reply.provenance, *(cells if one_section else [" / ".join(c for c in cells if c)])])
    if rows:
        b.table(section, _("Needs indicated by each respondent"), head, rows, css="text")
