"""The board in a real browser: the scripted search (tests/board_world.py) rendered by headless
Chromium at a desktop's width (1280 px) and a phone's (390 px), light and dark, and for print.
Checked in the DOM: the cards in their stage's column, the next steps, the timeline, the
today strip; that the browser made no request but the page itself and logged no error; and
that the text has the contrast a reader needs. Screenshots go to tests/artifacts/ (ignored by
git); the bundled example's board is photographed for the README (docs/board.png)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from board_world import NOW, build
from conftest import World
from servers.browser import Browser, require_browser

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

COLUMN_OF = {"Acme": "you", "Hooli": "you", "Soylent": "upcoming", "Globex": "upcoming", "Umbrella": "them",
             "Initech": "closed", "Stark": "closed"}


@pytest.fixture(scope="module")
def browser():
    require_browser()
    b = Browser()
    try:
        yield b
    finally:
        b.close()


@pytest.fixture
def page(world, tmp_path) -> Path:
    build(world)
    out = tmp_path / "board.html"
    assert world.cli("board", "--output", str(out), now=NOW).code == 0
    return out


def no_requests_but(browser: Browser, page: Path) -> None:
    made = browser.requests()
    assert made == [page.resolve().as_uri()], f"the page made requests: {made}"
    assert browser.errors() == []


CARDS = """return [...document.querySelectorAll('article.card')].map(c => ({
  company: c.querySelector('h4').textContent.split(' — ')[0],
  column: c.closest('section.column').dataset.column,
  next: (c.querySelector('dd.next') || {}).textContent || '',
  stage: c.querySelector('.stage').textContent,
  flags: [...c.querySelectorAll('.flags li')].map(li => li.textContent),
  timeline: [...c.querySelectorAll('ol.timeline li')].map(li => li.textContent),
  box: c.closest('section.column').getBoundingClientRect().toJSON()}))"""


def test_the_board_shows_every_stage_in_its_place_at_desktop_and_phone_width(browser, page):
    for width in (1280, 390):
        browser.load(page, width)
        cards = {c["company"]: c for c in browser.js(CARDS)}
        assert {name: c["column"] for name, c in cards.items()} == COLUMN_OF
        assert cards["Acme"]["stage"] == "waiting on you: send the follow-up"
        assert cards["Acme"]["next"].startswith("send the follow-up, since today 09:00")
        assert cards["Soylent"]["next"] == "the interview, tomorrow 15:00"
        assert cards["Umbrella"]["next"] == "follow-up, Fri 2026-11-27 09:00"
        assert cards["Hooli"]["flags"] == ["your mail to gavin@hooli.example bounced — check the address"]
        acme = cards["Acme"]["timeline"]
        assert any("an interview because the title contains" in e for e in acme)
        assert any("wrote the followup draft" in e for e in acme), acme
        assert any("matched:" in e for e in cards["Initech"]["timeline"])  # the reply, and why it was matched
        soylent = cards["Soylent"]["timeline"]
        assert any("round 1:" in e for e in soylent) and any("round 2:" in e for e in soylent)
        today = browser.js("return [...document.querySelectorAll('#today-items li')].map(li => li.textContent)")
        assert today[0].startswith("send the follow-up — Acme (Backend Engineer)")
        assert "draft “Following up on my interview for the Backend Engineer role”" in today[0]
        week = browser.js("return [...document.querySelectorAll('#week-items li')].map(li => li.textContent)")
        assert [w.split(" with ")[1].split(" (")[0] for w in week] == ["Soylent", "Globex"]
        closed = browser.js("return [...document.querySelectorAll('details.outcome > summary')]"
                            ".map(s => s.textContent)")
        assert sorted(closed) == ["rejected (1)", "withdrawn (1)"]
        overflow = browser.js("return document.documentElement.scrollWidth")
        assert overflow <= width, f"the page is {overflow} px wide at {width} px"
        boxes = {c["column"]: c["box"] for c in cards.values()}
        if width == 1280:  # the columns side by side
            assert boxes["you"]["x"] < boxes["upcoming"]["x"] < boxes["them"]["x"] < boxes["closed"]["x"]
            assert boxes["you"]["y"] == boxes["them"]["y"]
        else:  # stacked, most urgent on top
            assert boxes["you"]["y"] < boxes["upcoming"]["y"] < boxes["them"]["y"] < boxes["closed"]["y"]
            assert boxes["you"]["x"] == boxes["them"]["x"]
        no_requests_but(browser, page)
        browser.js("document.querySelectorAll('details').forEach(d => d.open = true)")
        browser.screenshot(ARTIFACTS / f"board-{width}.png")


def _luminance(rgb: str) -> float:
    parts = [float(x) for x in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3]]
    lin = [(c / 255 / 12.92) if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in parts]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(fg: str, bg: str) -> float:
    a, b = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


COLOURS = """const bgOf = e => { for (; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor;
  if (c !== 'rgba(0, 0, 0, 0)') return c; } return 'rgb(255, 255, 255)'; };
return [...document.querySelectorAll(arguments[0])].map(e => [getComputedStyle(e).color, bgOf(e), e.tagName])"""


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_text_keeps_its_contrast_in_light_and_dark_and_the_keyboard_reaches_everything(browser, page, dark):
    browser.load(page, 1280, dark=dark)
    background = browser.js("return getComputedStyle(document.body).backgroundColor")
    assert (_luminance(background) < 0.05) == dark
    for fg, bg, tag in browser.js(COLOURS, "body, .muted, .card dt, .flags li, .stage, a, .overdue, summary, h2, h3"):
        assert contrast(fg, bg) >= 4.5, f"{tag}: {fg} on {bg} ({contrast(fg, bg):.2f}:1)"
    # landmarks, each section named by its heading; the first Tab reaches the skip link
    assert browser.js("return ['header', 'main', 'footer'].every(t => document.querySelector(t))")
    unnamed = browser.js("return [...document.querySelectorAll('section')].filter(s => "
                         "!document.getElementById(s.getAttribute('aria-labelledby'))).length")
    assert unnamed == 0
    from selenium.webdriver.common.keys import Keys

    browser.driver.find_element("tag name", "body").send_keys(Keys.TAB)
    assert browser.js("return document.activeElement.className") == "skip"
    focusable = browser.js("return [...document.querySelectorAll('summary')].every(s => s.tabIndex === 0)")
    assert focusable
    no_requests_but(browser, page)
    browser.screenshot(ARTIFACTS / f"board-1280-{'dark' if dark else 'light'}.png")


def test_it_prints_legibly(browser, page):
    browser.load(page, 1280, media="print")
    assert browser.js("return getComputedStyle(document.querySelector('.commands')).display") == "none"
    assert browser.js("return getComputedStyle(document.querySelector('.columns')).display") == "block"
    assert browser.js("return getComputedStyle(document.body).color") == "rgb(0, 0, 0)"
    pdf = browser.driver.print_page()
    ARTIFACTS.mkdir(exist_ok=True)
    import base64

    (ARTIFACTS / "board-print.pdf").write_bytes(base64.b64decode(pdf))
    no_requests_but(browser, page)


def test_the_bundled_example_makes_the_readme_screenshot(browser, tmp_path, monkeypatch):
    """README: "Try it" then `board --output board.html`, photographed for docs/board.png."""
    root = tmp_path / "example"
    root.mkdir()
    monkeypatch.setenv("HOME", str(root))  # the page names folders in the home as ~/...
    shutil.copy(REPO / "config.example.toml", root / "config.toml")
    shutil.copytree(REPO / "examples", root / "examples")
    world = World.__new__(World)  # the example's own folder and configuration, as a user has them
    world.root, world.config = root, root / "config.toml"
    assert world.cli("once", now="2026-11-20T18:00:00+01:00").code == 0
    out = root / "board.html"
    assert world.cli("board", "--output", str(out), now="2026-11-20T18:00:00+01:00").code == 0
    browser.load(out, 1280)
    names = {c["company"] for c in browser.js(CARDS)}
    assert {"Acme", "Deloitte", "Globex GmbH"} <= names
    assert "in ~/Mail/.Drafts" in browser.js("return document.getElementById('today-items').textContent")
    no_requests_but(browser, out)
    browser.screenshot(ARTIFACTS / "example-board.png")
    (REPO / "docs").mkdir(exist_ok=True)
    shutil.copy(ARTIFACTS / "example-board.png", REPO / "docs" / "board.png")
