"""The board: one self-contained HTML page of the whole search (``render``).

Inline CSS and SVG, no script, nothing from the network: its Content-Security-Policy
(``CSP``) forbids every load but inline styles and data: images, so opening it makes no
request of any kind. Every text from outside (titles, names, reasons, subjects) is
neutralised (``logs.neutral``) and HTML-escaped; the page holds no message body and no
secret (it is scrubbed like everything the program prints).

Sections, each a landmark with a heading: today and this week (what to do, the draft's
subject and where it is), the applications in columns by stage (closed ones folded by
outcome; each card with its rounds, people, next step, flags, timeline and the commands
that steer it, as text to copy), and the search over time (figures and a bar chart, with
the same numbers in a table). It reads at a phone's width and a desktop's, in light and
dark schemes, by keyboard and screen reader, and prints.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from interview_followup.daemon import __version__
from interview_followup.daemon.board import chart
from interview_followup.daemon.board.figures import Figures, Week
from interview_followup.daemon.board.summary import (CLOSED, COLUMNS, THEM, UPCOMING_COLUMN, YOU, Application,
                                                     Overview, Todo, step_words, when_words)
from interview_followup.daemon.common import logs
from interview_followup.daemon.store.state import Entry

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
PROGRAM = "interview-followup"

STYLE = """
:root{color-scheme:light dark;--bg:#fff;--fg:#1b1b1b;--muted:#4d4d4d;--card:#f6f6f4;--line:#c9c9c4;
--accent:#0b57a4;--flag-bg:#fff1ec;--flag:#8a2100;--you:#8a2100;--them:#0b57a4;--up:#5b3a99;--closed:#4d4d4d;
--bar1:#0b57a4;--bar2:#b35900;--bar3:#2e7d32;--focus:#d06000}
@media (prefers-color-scheme:dark){:root{--bg:#141414;--fg:#ececec;--muted:#bdbdbd;--card:#1f1f1f;
--line:#4a4a4a;--accent:#8cb8ff;--flag-bg:#3a1d14;--flag:#ffb59e;--you:#ffb59e;--them:#8cb8ff;--up:#cdb5ff;
--closed:#bdbdbd;--bar1:#8cb8ff;--bar2:#ffb366;--bar3:#8fd694;--focus:#ffb366}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;
overflow-wrap:anywhere}
a{color:var(--accent)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:var(--bg);padding:.5rem}
.skip:focus{left:.5rem}
header,main,footer{max-width:84rem;margin:0 auto;padding:0 1rem}
header{padding-top:1rem}
h1{font-size:1.6rem;margin:.2rem 0}
h2{font-size:1.25rem;margin:1.4rem 0 .6rem;border-bottom:1px solid var(--line);padding-bottom:.2rem}
h3{font-size:1.05rem;margin:.8rem 0 .4rem}
h4{font-size:1rem;margin:0 0 .3rem}
.muted,.meta{color:var(--muted)}
.warn{background:var(--flag-bg);color:var(--flag);padding:.4rem .6rem;border-radius:4px;list-style:none;margin:.3rem 0}
ul.warnings{padding:0}
.todo{padding-left:1.2rem}
.todo li{margin:.35rem 0}
.overdue{color:var(--flag);font-weight:600}
.columns{display:grid;grid-template-columns:repeat(auto-fit,minmax(17rem,1fr));gap:1rem;align-items:start}
.column{min-width:0}
.column>h3{border-top:4px solid var(--line);padding-top:.3rem}
.column[data-column=you]>h3{border-color:var(--you)}
.column[data-column=upcoming]>h3{border-color:var(--up)}
.column[data-column=them]>h3{border-color:var(--them)}
.column[data-column=closed]>h3{border-color:var(--closed)}
.card{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.6rem .7rem;margin:0 0 .7rem}
.card dl{display:grid;grid-template-columns:auto 1fr;gap:.1rem .6rem;margin:.3rem 0}
.card dt{color:var(--muted)}
.card dd{margin:0}
.stage{margin:.1rem 0 .3rem;font-weight:600}
.flags{padding:0;margin:.3rem 0}
.flags li{list-style:none;background:var(--flag-bg);color:var(--flag);padding:.2rem .4rem;border-radius:4px;margin:.2rem 0}
details{margin:.3rem 0}
summary{cursor:pointer}
.timeline{padding-left:1.1rem;font-size:.92rem}
.timeline li{margin:.2rem 0}
.kind{display:inline-block;min-width:4.5rem;color:var(--muted)}
pre{white-space:pre-wrap;word-break:break-all;background:var(--bg);border:1px solid var(--line);padding:.4rem;
margin:.3rem 0;font-size:.85rem}
code{font-family:ui-monospace,"DejaVu Sans Mono",monospace;user-select:all}
.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(12rem,1fr));gap:.6rem;margin:0}
.figures div{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.5rem}
.figures dt{color:var(--muted);font-size:.9rem}
.figures dd{margin:0;font-size:1.3rem;font-weight:600}
.figures dd.note{font-size:.85rem;font-weight:400}
.chart{width:100%;max-width:44rem;height:auto;display:block;margin:.6rem 0}
.chart .grid{stroke:var(--line);stroke-width:.5}
.chart .axis{fill:var(--muted);font-size:12px}
.s1{fill:var(--bar1);background:var(--bar1)}.s2{fill:var(--bar2);background:var(--bar2)}
.s3{fill:var(--bar3);background:var(--bar3)}
.key{margin-right:1rem;white-space:nowrap}
.swatch{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-.1rem;
forced-color-adjust:none;print-color-adjust:exact;-webkit-print-color-adjust:exact}
table{border-collapse:collapse;font-size:.9rem}
th,td{border:1px solid var(--line);padding:.2rem .5rem;text-align:right}
th:first-child,td:first-child{text-align:left}
footer{margin:2rem auto 1rem;font-size:.9rem;color:var(--muted)}
@media (max-width:30rem){body{font-size:15px}h1{font-size:1.35rem}header,main,footer{padding:0 .6rem}}
@media print{:root{--bg:#fff;--fg:#000;--muted:#333;--card:#fff;--line:#999;--accent:#000;--flag-bg:#fff;
--flag:#000}body{font-size:11pt}.skip,.commands{display:none}.columns{display:block}
.card{break-inside:avoid;border-color:#999}a{text-decoration:none}a[href^="http"]::after{content:" (" attr(href) ")";
font-size:.8em}}
"""


def render(ov: Overview, tz: ZoneInfo, *, timelines: dict[str, list[Entry]], figures: Figures,
           weeks: list[Week], where: str = "") -> str:
    """The page. ``where``: the board file's path, shown in its footer."""
    now = ov.now
    open_count = len(ov.open)
    parts = [
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        '<meta name="color-scheme" content="light dark">\n<meta name="referrer" content="no-referrer">\n',
        f"<title>Job search board — {PROGRAM}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        '<a class="skip" href="#applications-h">Skip to the applications</a>\n',
        "<header>\n<h1>Your job search</h1>\n",
        f'<p class="meta">As of <time datetime="{now.isoformat()}">{_t(f"{now.astimezone(tz):%a %Y-%m-%d %H:%M %Z}")}'
        f"</time> · {open_count} open application{'' if open_count == 1 else 's'}, {len(ov.applications) - open_count}"
        " closed · rewritten after every pass that changes something</p>\n</header>\n<main>\n",
        _today(ov, tz),
        _columns(ov, tz, timelines),
        _over_time(figures, weeks),
        "</main>\n<footer>\n",
        f"<p>Written by {PROGRAM} {escape(__version__)}"
        + (f" to <code>{_t(where)}</code>" if where else "")
        + ". It holds no message text; drafts are only ever written, never sent. "
        f"<code>{PROGRAM} status</code> shows the same at a terminal.</p>\n</footer>\n</body>\n</html>\n",
    ]
    return logs.scrub("".join(parts))


def _t(text: object) -> str:
    """Outside text for the page: on one line, control and bidirectional characters made
    visible, HTML-escaped (quotes too: safe in attributes)."""
    return escape(logs.neutral(text), quote=True)


def _id(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text)


def _when(moment: datetime, ov: Overview, tz: ZoneInfo) -> str:
    return f'<time datetime="{moment.isoformat()}">{_t(when_words(moment, ov.now, tz))}</time>'


def _today(ov: Overview, tz: ZoneInfo) -> str:
    out = ['<section aria-labelledby="today-h" id="today">\n<h2 id="today-h">Today and this week</h2>\n']
    if ov.warnings:
        out.append('<ul class="warnings">' + "".join(f'<li class="warn">{_t(w)}</li>' for w in ov.warnings)
                   + "</ul>\n")
    out.append(f'<h3 id="today-list">Today, {_t(f"{ov.now.astimezone(tz):%a %d %b}")}</h3>\n')
    out.append(_todo_list(ov.today, ov, tz, "nothing to do today", "today-items"))
    out.append('<h3 id="week-list">This week</h3>\n')
    out.append(_todo_list(ov.week, ov, tz, "nothing planned for the next six days", "week-items"))
    out.append("</section>\n")
    return "".join(out)


def _todo_list(items: tuple[Todo, ...], ov: Overview, tz: ZoneInfo, empty: str, list_id: str) -> str:
    if not items:
        return f'<p class="muted" id="{list_id}">{_t(empty)}</p>\n'
    lis = []
    for x in items:
        who = _t(x.company or "unknown company") + (f" ({_t(x.role)})" if x.role else "")
        if x.step == "interview":
            body = (f"<strong>the interview</strong> with {who}, {_when(x.due, ov, tz)}"
                    + (f' <span class="muted">with {_t(x.where)}</span>' if x.where else ""))
        else:
            due = f'<span class="overdue">overdue, due {_when(x.due, ov, tz)}</span>' if x.overdue else \
                f"due {_when(x.due, ov, tz)}"
            body = f"<strong>{_t(x.what)}</strong> — {who}, {due}"
            if x.subject:
                body += f"<br>draft “{_t(x.subject)}”"
            if x.where:
                body += f" <span class=\"muted\">{_t(x.where)}</span>"
            if x.link:
                body += f' <a href="{_t(x.link)}" rel="noreferrer noopener">open the draft</a>'
        lis.append(f'<li data-loop="{_t(x.loop_id)}" data-step="{_t(x.step)}">{body}</li>')
    return f'<ol class="todo" id="{list_id}">' + "".join(lis) + "</ol>\n"


def _columns(ov: Overview, tz: ZoneInfo, timelines: dict[str, list[Entry]]) -> str:
    out = ['<section aria-labelledby="applications-h" id="applications">\n'
           '<h2 id="applications-h" tabindex="-1">Applications by stage</h2>\n']
    if not ov.applications:
        out.append('<p class="muted">No interviews found yet.</p>\n</section>\n')
        return "".join(out)
    out.append('<div class="columns">\n')
    for column in (YOU, UPCOMING_COLUMN, THEM, CLOSED):
        apps = [a for a in ov.applications if a.column == column]
        out.append(f'<section class="column" data-column="{column}" aria-labelledby="col-{column}">\n'
                   f'<h3 id="col-{column}">{COLUMNS[column]} <span class="muted">({len(apps)})</span></h3>\n')
        if not apps:
            out.append('<p class="muted">none</p>\n')
        elif column != CLOSED:
            out.extend(_card(a, ov, tz, timelines) for a in apps)
        else:
            by: dict[str, list[Application]] = {}
            for a in apps:
                by.setdefault(a.outcome or "closed", []).append(a)
            for outcome, group in by.items():
                out.append(f'<details class="outcome" data-outcome="{_t(outcome)}"><summary>{_t(outcome)} '
                           f'({len(group)})</summary>\n')
                out.extend(_card(a, ov, tz, timelines) for a in group)
                out.append("</details>\n")
        out.append("</section>\n")
    out.append("</div>\n</section>\n")
    return "".join(out)


def _card(a: Application, ov: Overview, tz: ZoneInfo, timelines: dict[str, list[Entry]]) -> str:
    ident = _id(a.key)
    head = _t(a.company or "unknown company") + (f" — {_t(a.role)}" if a.role else "")
    first = a.rounds[0].interview
    rounds = ", ".join(f"{n}: {p.interview.start.astimezone(tz):%a %d %b %H:%M}"
                       for n, p in enumerate(a.rounds, 1))
    out = [f'<article class="card" id="app-{ident}" data-loop="{_t(a.loop_id)}" data-column="{a.column}" '
           f'aria-labelledby="card-{ident}">\n<h4 id="card-{ident}">{head}</h4>\n',
           f'<p class="stage">{_t(a.stage_words())}</p>\n<dl>\n',
           f"<dt>Rounds</dt><dd>{_t(rounds)}</dd>\n"]
    people = ", ".join(x.name or x.email for x in a.interviewers)
    if people:
        out.append(f"<dt>With</dt><dd>{_t(people)}</dd>\n")
    if a.next_step and a.next_at is not None:
        what = a.next_step if a.column != THEM else a.next_step.removeprefix("send the ")
        out.append(f'<dt>Next</dt><dd class="next">{_t(what)}, {_when(a.next_at, ov, tz)}</dd>\n')
    if a.closed and a.stage_detail:
        out.append(f"<dt>How</dt><dd>{_t(a.stage_detail)}</dd>\n")
    out.append(f"<dt>Loop</dt><dd><code>{_t(a.loop_id)}</code></dd>\n</dl>\n")
    if a.attention:
        out.append('<ul class="flags" aria-label="needs a look">'
                   + "".join(f"<li>{_t(f)}</li>" for f in a.attention) + "</ul>\n")
    entries = [(p.round, e) for p in a.rounds for e in timelines.get(p.interview.loop_id, ())]
    entries.sort(key=lambda x: x[1].at)
    if entries:
        many = len(a.rounds) > 1
        lis = "".join(
            f'<li><time datetime="{e.at.isoformat()}">{_t(f"{e.at.astimezone(tz):%a %d %b %H:%M}")}</time> '
            f'<span class="kind">{_t(e.kind)}</span> {"round " + str(n) + ": " if many else ""}{_t(e.text)}</li>'
            for n, e in entries)
        out.append(f'<details class="history"><summary>Timeline ({len(entries)}) — what happened and why'
                   f'</summary>\n<ol class="timeline">{lis}</ol>\n</details>\n')
    out.append('<details class="commands"><summary>Steer it (commands to copy)</summary>\n<pre>'
               + "\n".join(f"<code>{_t(c)}</code>" for c in commands(a, ov, first)) + "</pre>\n</details>\n")
    out.append("</article>\n")
    return "".join(out)


def commands(a: Application, ov: Overview, first) -> list[str]:
    """The commands that steer the application's latest round, ready to copy."""
    loop = a.loop_id
    week = (ov.now + timedelta(days=7)).date().isoformat()
    p = a.latest
    if p.interview.certainty == "uncertain" and not a.closed:
        return [f"{PROGRAM} track {loop}", f"{PROGRAM} ignore {loop}"]
    out = [f"{PROGRAM} status {loop}", f"{PROGRAM} history {loop}"]
    if a.closed:
        return out + [f"{PROGRAM} reopen {loop}"]
    nxt = min((s for s in p.steps if s.state in ("due", "scheduled")), key=lambda s: s.due,
              default=None)
    out.append(f"{PROGRAM} snooze {loop} --until {week}")
    if nxt is not None:
        out.append(f"{PROGRAM} skip {loop} {nxt.name}    # {step_words(nxt.name)}")
    out.append(f"{PROGRAM} debrief {loop} --answer-by {week}")
    out.append(f"{PROGRAM} close {loop} --outcome rejected --note \"…\"")
    return out


def _over_time(f: Figures, weeks: list[Week]) -> str:
    out = ['<section aria-labelledby="time-h" id="over-time">\n<h2 id="time-h">The search over time</h2>\n',
           '<dl class="figures">\n']
    thanks = f"{f.thanks_on_time} of {f.thanks_due}" if f.thanks_due else "none due yet"
    answers = f"{f.answered} of {f.applications}" if f.applications else "no interview over yet"
    median = (f"{f.median_days:g} days (from {f.answers_counted} answer{'' if f.answers_counted == 1 else 's'})"
              if f.median_days is not None else "no answer yet")
    for term, value, note in (
            ("Thank-yous sent on time", thanks, "by the end of the day after the interview"),
            ("Applications answered", answers, "a reply that decides something"),
            ("Median days to an answer", median, "from the end of the first interview")):
        out.append(f'<div><dt>{_t(term)}</dt><dd>{_t(value)}</dd><dd class="muted note">{_t(note)}</dd></div>\n')
    out.append("</dl>\n")
    if weeks:
        out.append(chart.svg(weeks) + f'\n<p class="legend">{chart.legend()}</p>\n')
        rows = "".join(f"<tr><td>{w.monday:%d %b %Y}</td><td>{w.interviews}</td><td>{w.followups}</td>"
                       f"<td>{w.answers}</td></tr>" for w in weeks)
        out.append('<details><summary>The same as a table</summary>\n<table><caption class="muted">per week'
                   '</caption><thead><tr><th scope="col">week of</th><th scope="col">interviews</th>'
                   '<th scope="col">follow-ups sent</th><th scope="col">answers</th></tr></thead>'
                   f"<tbody>{rows}</tbody></table>\n</details>\n")
    else:
        out.append('<p class="muted">Nothing to draw yet.</p>\n')
    out.append("</section>\n")
    return "".join(out)
