"""The picture of the search over time: per week, bars for the interviews, the follow-ups
sent and the answers received, as inline SVG (no script, no font of its own: the page's).

The SVG has a title and a description for screen readers; the page puts the same numbers
in a table beside it. Colours come from the page's CSS variables, so it follows the light
and dark schemes and prints.
"""

from __future__ import annotations

from html import escape

from interview_followup.daemon.board.figures import Week

SERIES = (("interviews", "interviews", "s1"), ("followups", "follow-ups sent", "s2"), ("answers", "answers", "s3"))
WIDTH, HEIGHT = 640, 200  # the drawing's own units (it scales to the page's width)
LEFT, BOTTOM, TOP = 28, 22, 8


def svg(weeks: list[Week]) -> str:
    if not weeks:
        return ""
    top = max(max(getattr(w, key) for key, _, _ in SERIES) for w in weeks) or 1
    group = (WIDTH - LEFT - 4) / len(weeks)
    bar = min(14.0, group * 0.8 / len(SERIES))
    area = HEIGHT - BOTTOM - TOP
    parts = [f'<svg role="img" aria-labelledby="chart-title chart-desc" viewBox="0 0 {WIDTH} {HEIGHT}" '
             'class="chart" xmlns="http://www.w3.org/2000/svg">',
             '<title id="chart-title">Applications over the weeks</title>',
             f'<desc id="chart-desc">{escape(_describe(weeks))}</desc>']
    for frac in (0, 0.5, 1):  # the scale: 0, half, the highest count
        y = TOP + area * (1 - frac)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        label = f"{top * frac:g}"
        if frac != 0.5 or top % 2 == 0:
            parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" class="axis">{label}</text>')
    every = max(1, round(len(weeks) / 8))
    for i, w in enumerate(weeks):
        x0 = LEFT + 4 + i * group + (group - bar * len(SERIES)) / 2
        for j, (key, name, colour) in enumerate(SERIES):
            n = getattr(w, key)
            if not n:
                continue
            h = area * n / top
            parts.append(f'<rect x="{x0 + j * bar:.1f}" y="{TOP + area - h:.1f}" width="{bar - 1:.1f}" '
                         f'height="{h:.1f}" class="{colour}"><title>'
                         f'{escape(f"week of {w.monday:%d %b}: {n} {name}")}</title></rect>')
        if i % every == 0:
            parts.append(f'<text x="{LEFT + 4 + i * group + group / 2:.1f}" y="{HEIGHT - 6}" text-anchor="middle" '
                         f'class="axis">{w.monday:%d %b}</text>')
    parts.append("</svg>")
    return "".join(parts)


def legend() -> str:
    return "".join(f'<span class="key"><span class="swatch {colour}"></span>{escape(name)}</span>'
                   for _, name, colour in SERIES)


def _describe(weeks: list[Week]) -> str:
    total = {key: sum(getattr(w, key) for w in weeks) for key, _, _ in SERIES}
    return (f"{len(weeks)} weeks from {weeks[0].monday:%d %b %Y}: {total['interviews']} interviews, "
            f"{total['followups']} follow-ups sent, {total['answers']} answers")
