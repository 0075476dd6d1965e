"""Accessible to every student (WCAG 2.1 AA): what axe-core finds, what a screen reader hears, what the keyboard
reaches, and what a narrow screen or a zoomed page shows, in Debian's chromium.

axe-core is the copy pinned in tests/package.json (`npm ci --prefix tests`, as .ci/run does); it is injected into
the page, so nothing is fetched while the tests run. Each page and each state of it that the issue lists is a row
of WALKS: a page is opened once per theme and screen, and walked through its states in order, with axe run on
each. A new page, or a new state of one, is one more row.
"""

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
import pytest
from gradio_client import handle_file
from PIL import Image

import app
from drawings import drawn
from model.records import training_curves
from pages import (
    LAYERS_WITH_PICTURES,
    READING_TIMEOUT_MS,
    SEVEN,
    draw,
    draw_with_a_finger,
    expect,
    expect_calm,
    expect_reading,
    playwright_api,
    wait_until_ready_to_draw,
)
from support import AXE_PATH, BOARD_KEY, MNIST_PATH
from web.announce import CLEARED, REGION_ID, RUNNER_UP_FROM, SETTLE_MS

# WCAG 2.0 and 2.1, levels A and AA: what US (ADA Title II) and European (EN 301 549) public schools must meet.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCREENS = {
    "desktop": {"viewport": {"width": 1280, "height": 860}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "projector": {"viewport": {"width": 1920, "height": 1080}},
    "small projector": {"viewport": {"width": 1280, "height": 720}},
}
THEMES = ["light", "dark"]
# WCAG 1.4.10: usable 320 CSS px wide, and at 200% zoom, which lays a 1280 x 860 window out at 640 x 430.
NARROW_SCREENS = {"320 px wide": {"width": 320, "height": 640}, "200% zoom": {"width": 640, "height": 430}}
FOCUS_RING_CONTRAST = 3.0  # WCAG 1.4.11, against the page behind the ring
TEXT_CONTRAST = 4.5  # WCAG 1.4.3
MISREAD_CAPTION = "MNIST test digit #"
log = logging.getLogger(__name__)


# --- The pages and their states --------------------------------------------------------------------------


Page = playwright_api.Page


def as_opened(page: Page) -> None:
    """The state a page opens in."""


def with_the_join_panel_open(page: Page) -> None:
    join = page.get_by_text("Join this class")
    if join.is_visible():  # a phone does not invite others: its page hides the panel
        join.click()
        expect(page.locator("#join-panel .join-note")).to_be_visible(timeout=READING_TIMEOUT_MS)


def with_a_seven_drawn(page: Page) -> None:
    (draw_with_a_finger if page.evaluate("navigator.maxTouchPoints > 0") else draw)(page, SEVEN)
    expect_reading(page, "7")
    expect(page.locator("#preview img")).to_have_attribute("alt", "The 28 by 28 pixel image the network reads")


def compared_with_the_tutorials_model(page: Page) -> None:
    compare = page.locator("#compare input")
    if compare.is_visible():  # a phone's reading strip has no room for a second reading: its page hides the switch
        compare.check()
        expect(page.locator("#compared h2")).to_have_text("7", timeout=READING_TIMEOUT_MS)


def sent_to_the_class_board(page: Page) -> None:
    """The ten digits under the sheet, each named with what it does; the line under them says it arrived."""
    seven = page.get_by_role("button", name="7", exact=True)
    expect(seven).to_have_accessible_name("7")
    seven.click()
    expect(page.locator("#send-status")).to_contain_text("On the class board: your 7", timeout=READING_TIMEOUT_MS)


def inside_with_the_drawing(page: Page) -> None:
    """The Inside tab for the drawing: each picture with words saying what it shows."""
    page.get_by_role("tab", name="Inside the network").click()
    expect(page.locator("#inside .inside-caption")).to_contain_text("read as 7", timeout=READING_TIMEOUT_MS)
    texts = page.locator("#inside img").evaluate_all("images => images.map(image => image.alt)")
    assert len(texts) == len(LAYERS_WITH_PICTURES) + 1 and all(texts), texts  # and which pixels mattered
    assert "32 feature maps of the first convolution, 26 by 26 each, brighter where more active" in texts
    expect(page.locator("#inside .bars")).to_have_attribute("aria-label", re.compile(r", 7 \d+%, 8 "))


def inside_with_a_misread_test_digit(page: Page) -> None:
    page.get_by_text("Test digits the network gets wrong").click()
    expect(page.locator("#misreads-note")).not_to_be_empty(timeout=READING_TIMEOUT_MS)
    if MNIST_PATH.is_file():  # else the note says why there are none, and that is the state checked
        page.locator("#misreads button.thumbnail-item").first.click(timeout=READING_TIMEOUT_MS)
        expect(page.locator("#inside .inside-caption")).to_contain_text(MISREAD_CAPTION, timeout=READING_TIMEOUT_MS)


def training_with_the_numbers_open(page: Page) -> None:
    """The report card's matrix as a table with headers, and the curves' numbers, collapsed until asked for."""
    page.get_by_role("tab", name="Training & report card").click()
    matrix = page.locator("#confusion table")
    expect(matrix.locator("thead th[scope='col']")).to_have_count(12, timeout=READING_TIMEOUT_MS)  # and accuracy
    expect(matrix.locator("tbody th[scope='row']")).to_have_count(10)
    numbers = page.locator("#curves-table table")
    expect(numbers).to_be_hidden()
    page.get_by_text("The curves' numbers, epoch by epoch").click()
    expect(numbers).to_be_visible()
    loss, accuracy = training_curves(app.SHIPPED.history)  # what the plots show
    expect(numbers.locator("tbody tr")).to_have_count(loss.epoch.nunique())
    first = [frame[frame.epoch == 1].set_index("series").value for frame in (loss, accuracy)]
    expect(numbers.locator("tbody tr").first.locator("th, td")).to_have_text([
        "1", f"{first[0].training:.4f}", f"{first[0].validation:.4f}", f"{first[1].training:.2%}",
        f"{first[1].validation:.2%}"])


# --- The class board's page, on the projector ---------------------------------------------------------------


def the_board_with_the_class_drawings(page: Page) -> None:
    expect(page.locator("#board-headline .board-count")).not_to_have_text("0 drawings", timeout=READING_TIMEOUT_MS)
    expect(page.locator("#board-drawings button").first).to_be_visible()
    for model in ("shipped", "tutorial"):  # each matrix a table with row and column headers
        matrix = page.locator(f"#board-confusion-{model} table")
        expect(matrix.locator("thead th[scope='col']")).to_have_count(12)
        expect(matrix.locator("tbody th[scope='row']")).to_have_count(10)


def a_drawing_opened_inside(page: Page) -> None:
    thumbnail = page.locator("#board-drawings button").first
    named = re.compile(r"^\d→\d \d+%: drawing \d+, meant \d, the shipped model reads \d")
    expect(thumbnail).to_have_accessible_name(named)
    thumbnail.click()
    expect(page.locator("#board-inside .inside-caption")).to_contain_text("on the class board",
                                                                          timeout=READING_TIMEOUT_MS)


def the_tutorials_misreads_shown(page: Page) -> None:
    page.get_by_label("The tutorial's model misreads it, the shipped one doesn't").check()
    expect(page.locator("#board-drawings h3")).to_contain_text("the shipped one doesn't", timeout=READING_TIMEOUT_MS)


def board_ready(page: Page) -> None:
    expect(page.locator("#board-headline .board-count")).to_be_visible(timeout=READING_TIMEOUT_MS)


@pytest.fixture
def class_drawings(client, tmp_path: Path) -> None:
    """Drawings on the board for its page to show, some misread: each digit drawn, meant as itself and as the next."""
    for digit in "0123456789":
        path = tmp_path / f"{digit}.png"
        Image.fromarray(drawn(digit, "transparent")).save(path)
        for meant in (int(digit), (int(digit) + 1) % 10):
            client.predict({"background": None, "layers": [handle_file(str(path))], "composite": None}, meant,
                           api_name="/send")


@dataclass(frozen=True)
class Walk:
    """A page of the app, the screens it is checked on, and its states in the order one visit reaches them; and
    what says the page is ready once it opens."""

    path: str
    screens: tuple[str, ...]
    states: tuple[tuple[str, Callable[[Page], None]], ...]
    ready: Callable[[Page], None] = wait_until_ready_to_draw


WALKS = {
    "app": Walk("/", ("desktop", "phone"), (
        ("Prediction, before drawing", as_opened),
        ("the Join panel open", with_the_join_panel_open),
        ("Prediction, a 7 drawn", with_a_seven_drawn),
        ("Prediction, compared with the tutorial's model", compared_with_the_tutorials_model),
        ("the 7 sent to the class board", sent_to_the_class_board),
        ("Inside the network, the drawing", inside_with_the_drawing),
        ("Inside the network, a misread test digit", inside_with_a_misread_test_digit),
        ("Training & report card, the curves' numbers open", training_with_the_numbers_open),
    )),
    "board": Walk(f"/board?key={BOARD_KEY}", ("projector", "small projector"), (
        ("the class's drawings", the_board_with_the_class_drawings),
        ("a drawing opened inside the network", a_drawing_opened_inside),
        ("the tutorial's model's misreads", the_tutorials_misreads_shown),
    ), ready=board_ready),
}


# --- Fixtures and helpers --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def axe() -> str:
    """axe-core's script; under CI=true tests/conftest.py fails the run if it is missing."""
    if not AXE_PATH.is_file():
        pytest.skip(f"needs axe-core at {AXE_PATH}: npm ci --prefix tests")
    return AXE_PATH.read_text()


@pytest.fixture(autouse=True)
def misread_digits_from_mnist(monkeypatch: pytest.MonkeyPatch) -> None:
    if MNIST_PATH.is_file():
        monkeypatch.setenv(app.MNIST_ENV, str(MNIST_PATH))


@pytest.fixture
def opened(browser) -> Iterator[Callable[..., Page]]:
    """Opens pages on a screen of SCREENS or NARROW_SCREENS (a context each, closed after the test)."""
    contexts = []

    def open_page(url: str, theme: str, reduced_motion: str = "no-preference",
                  ready: Callable[[Page], None] = wait_until_ready_to_draw, **screen) -> Page:
        context = browser.new_context(reduced_motion=reduced_motion, **screen)
        contexts.append(context)
        page = context.new_page()
        page.goto(url + (("&" if "?" in url else "?") + "__theme=dark" if theme == "dark" else ""))
        ready(page)
        return page

    yield open_page
    for context in contexts:
        context.close()


# Gradio dims an output while its event runs, and fades it back in: axe looks at the page once it is still.
STILL_JS = "() => !document.querySelector('.pending') && document.getAnimations().every(a => a.playState !== 'running')"


def violations(page: Page, axe: str) -> list[str]:
    """What axe-core faults on the page once it is still, a line per element: rule, element, and contrast figures."""
    page.wait_for_function(STILL_JS, timeout=READING_TIMEOUT_MS)
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(content=axe)
    found = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, "
                          "resultTypes: ['violations']}).then(result => result.violations)", AXE_TAGS)
    lines = []
    for rule in found:
        for node in rule["nodes"]:
            figures = next((check["data"] for check in node["any"] if (check.get("data") or {}).get("contrastRatio")),
                           None)
            contrast = (f": {figures['contrastRatio']}:1, {figures['fgColor']} on {figures['bgColor']} "
                        f"({figures['fontSize']}, {figures['fontWeight']}), needs {figures['expectedContrastRatio']}"
                        if figures else "")
            lines.append(f"{rule['id']} ({rule['impact']}) {' '.join(map(str, node['target']))}{contrast}\n"
                         f"      {node['html'][:160]}")
    return lines


# The WCAG contrast ratio of two computed colours, and the colour that shows behind an element (its ancestors'
# backgrounds laid over each other until an opaque one).
CONTRAST_JS = """
const rgba = (colour) => {
  const [r, g, b, a = 1] = colour.match(/[\\d.]+/g).map(Number);
  return [r, g, b, a];
};
const behind = (element) => {
  const layers = [];
  for (let e = element; e; e = e.parentElement) {
    const colour = rgba(getComputedStyle(e).backgroundColor);
    if (colour[3] > 0) layers.push(colour);
    if (colour[3] === 1) break;
  }
  return layers.reduceRight((under, [r, g, b, a]) =>
    [r * a + under[0] * (1 - a), g * a + under[1] * (1 - a), b * a + under[2] * (1 - a), 1], [255, 255, 255, 1]);
};
const luminance = ([r, g, b]) => {
  const linear = (c) => (c /= 255) <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
};
const contrast = (a, b) => {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
};
"""
# The focused element: what it is, and its focus ring (settled: buttons ease into it) against the page behind it.
FOCUSED_JS = "() => {" + CONTRAST_JS + """
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  element.getAnimations().forEach((animation) => animation.finish());
  const style = getComputedStyle(element);
  const box = element.getBoundingClientRect();
  const name = element.getAttribute("aria-label") || element.textContent.trim();
  return {
    name: element.id ? `#${element.id}` : name.slice(0, 40),
    visible: box.width > 0 && box.height > 0 && style.visibility !== "hidden",
    ring: style.outlineStyle === "none" ? 0 : parseFloat(style.outlineWidth),
    contrast: contrast(rgba(style.outlineColor), behind(element.parentElement)),
  };
}"""


def focus_order(page: Page, limit: int = 80) -> list[dict]:
    """Each element Tab reaches from where the focus is, until it leaves the page (or ``limit`` presses)."""
    reached = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_JS)
        if focused is None:
            break
        reached.append(focused)
    return reached


# --- axe-core: every page, tab, theme and size, before and after drawing -------------------------------------


@pytest.mark.parametrize(("walk", "theme", "screen"), [
    pytest.param(name, theme, screen, id=f"{name}-{theme}-{screen}")
    for name, walk in WALKS.items() for theme in THEMES for screen in walk.screens])
def test_axe_finds_nothing_to_fault(opened, app_url: str, axe: str, class_drawings, walk: str, theme: str,
                                    screen: str) -> None:
    page = opened(app_url.rstrip("/") + WALKS[walk].path, theme, ready=WALKS[walk].ready, **SCREENS[screen])
    faults = {}
    for state, reach in WALKS[walk].states:
        reach(page)
        faults[state] = violations(page, axe)
    report = "\n".join(f"  {state}:\n" + "\n".join(f"    {line}" for line in lines)
                       for state, lines in faults.items() if lines)
    assert not report, f"axe-core ({', '.join(AXE_TAGS)}) on {walk}, {theme}, {screen}:\n{report}"


# --- What a screen reader hears ------------------------------------------------------------------------------


@pytest.mark.parametrize("reader", ["page", "server"])
def test_the_reading_is_announced_once_the_pen_lifts_and_clear_says_so(opened, app_url: str, reader: str) -> None:
    """Whichever reader reads (the page's own every frame, or the server's when the pen lifts), a stroke is
    announced once, with the Label's figures; a close runner-up is named; Clear says so."""
    page = opened(app_url + ("?reader=server" if reader == "server" else ""), "light", **SCREENS["desktop"])
    region = page.locator(f"#{REGION_ID} [aria-live='polite']")
    expect(region).to_have_text("")  # there from the start, empty
    region.evaluate("""region => {  // every text it takes, as a screen reader hears it
      globalThis.heard = [];
      new MutationObserver(() => globalThis.heard.push(region.textContent))
        .observe(region, {childList: true, characterData: true, subtree: true});
    }""")
    heard = "() => globalThis.heard"

    draw(page, SEVEN)
    expect_reading(page, "7")
    expect(region).to_have_text(re.compile(r"^Reads 7, \d+ percent sure"), timeout=READING_TIMEOUT_MS)
    page.wait_for_timeout(3 * SETTLE_MS)  # time for any second announcement
    sure = int(page.locator("#prediction .confidence-set dd").first.inner_text().rstrip("%"))
    assert page.evaluate(heard) == [f"Reads 7, {sure} percent sure"]

    # The region words whatever the Label shows: here, a close call.
    close, runner_up = RUNNER_UP_FROM + 18, page.locator("#prediction .confidence-set dt").nth(1).inner_text()
    page.locator("#prediction").evaluate("""(label, [first, second]) => {
      const figures = label.querySelectorAll(".confidence-set dd");
      figures[0].textContent = `${first}%`;
      figures[1].textContent = `${second}%`;
    }""", [100 - close - 4, close])
    expect(region).to_have_text(f"Reads 7, {100 - close - 4} percent sure, or perhaps {runner_up}, {close} percent",
                                timeout=READING_TIMEOUT_MS)

    page.locator("#clear").click()
    expect_calm(page)
    expect(region).to_have_text(CLEARED, timeout=READING_TIMEOUT_MS)
    page.wait_for_timeout(3 * SETTLE_MS)
    assert page.evaluate(heard)[2:] == [CLEARED]


# --- The keyboard ------------------------------------------------------------------------------------------------

# The controls Tab must reach, in this order (by id, else by name); the editor's tool bar comes with the sheet.
TAB_ORDER = ["Join this class", "Clear canvas", "#clear", "#undo", "#upload", "#prediction-tab-button", "Use via API"]


@pytest.mark.parametrize("theme", THEMES)
def test_the_keyboard_reaches_every_control_with_a_visible_ring_and_switches_tabs(opened, app_url: str,
                                                                                  theme: str) -> None:
    page = opened(app_url, theme, **SCREENS["desktop"])
    reached = focus_order(page)
    names = [focused["name"] for focused in reached]
    assert len(names) == len(set(names)), f"the focus came back round (a trap?): {names}"
    order = [next((i for i, name in enumerate(names) if name.startswith(control)), None) for control in TAB_ORDER]
    assert None not in order and order == sorted(order), f"Tab reached, in order: {names}"
    for focused in reached:
        assert focused["visible"], f"{focused['name']} took the focus unseen"
        assert focused["ring"] >= 2, f"{focused['name']} shows no focus ring"
        assert focused["contrast"] >= FOCUS_RING_CONTRAST, f"{focused['name']}: ring at {focused['contrast']:.2f}:1"
    log.info("focus ring, %s theme: %d stops, lowest contrast %.2f:1", theme, len(reached),
             min(focused["contrast"] for focused in reached))

    # Drawing does not hold the focus: from the sheet, Tab goes on to the buttons under it.
    page.locator("#sketchpad canvas").first.click()
    assert "#clear" in [focused["name"] for focused in focus_order(page, limit=15)]

    # The tabs follow the arrow keys, Home and End; only the selected one is a Tab stop, so Tab goes on to its panel.
    tabs = ["Prediction", "Inside the network", "Training & report card"]
    page.get_by_role("tab", name=tabs[0]).focus()
    for key, shown in [("ArrowRight", 1), ("ArrowRight", 2), ("ArrowRight", 0), ("ArrowLeft", 2), ("Home", 0),
                       ("End", 2)]:
        page.keyboard.press(key)
        selected = page.get_by_role("tab", name=tabs[shown])
        expect(selected).to_have_attribute("aria-selected", "true")
        expect(selected).to_be_focused()
        for tab in tabs:
            expect(page.get_by_role("tab", name=tab)).to_have_attribute("tabindex", "0" if tab == tabs[shown] else "-1")
    # Its label is in the accent colour, which axe cannot check (the tab bar's background is a gradient).
    label = selected.evaluate("tab => {" + CONTRAST_JS + "return contrast(rgba(getComputedStyle(tab).color), "
                              "behind(tab)); }")
    assert label >= TEXT_CONTRAST, f"the selected tab's label at {label:.2f}:1"


# --- Another way in than drawing: a picture of a digit ---------------------------------------------------------


def picture_of(digit: str, folder: Path) -> Path:
    """A digit drawn in dark ink on white paper, as a PNG: a drawing's composite, in grey."""
    path = folder / f"a {digit}.png"
    Image.fromarray(drawn(digit, "light")).convert("L").save(path)
    return path


def test_an_uploaded_picture_is_read_as_a_drawing_is(tmp_path: Path) -> None:
    label, preview, view = app.read_upload({"path": str(picture_of("3", tmp_path))})
    assert max(label, key=label.get) == "3"
    assert 'alt="The 28 by 28 pixel image the network reads"' in preview
    assert view["source"] == app.YOUR_PICTURE and view["digit"] == "3"
    assert app.read_upload(None) == app.blank_state()


def test_a_picture_that_is_not_an_image_gets_one_sentence(tmp_path: Path) -> None:
    (tmp_path / "notes.png").write_text("not a picture")
    with pytest.raises(gr.Error, match="That image could not be read: The file is not a readable image"):
        app.read_upload({"path": str(tmp_path / "notes.png")})


def test_a_picture_uploaded_with_the_keyboard_is_read_and_announced(opened, app_url: str, tmp_path: Path) -> None:
    page = opened(app_url, "light", **SCREENS["desktop"])
    # Playwright intercepts file choosers once something listens, but only some time after: listen first.
    page.on("filechooser", lambda _: None)
    page.locator("#upload").focus()
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Enter")
    chooser.value.set_files(picture_of("3", tmp_path))
    expect_reading(page, "3")
    expect(page.locator(f"#{REGION_ID} [aria-live]")).to_have_text(re.compile(r"^Reads 3, \d+ percent sure"),
                                                                   timeout=READING_TIMEOUT_MS)


# --- Reflow and motion -----------------------------------------------------------------------------------------------

# Whatever sticks out past the right edge of the window, outside any box that scrolls it: a page a reader would
# have to scroll sideways, or content cut off at the edge (Gradio's container clips what overflows it). The
# sheet's drawing surface overhangs it on purpose, clipped (assets/style.css).
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = (e) => ["auto", "scroll"].includes(getComputedStyle(e).overflowX);
  const out = [];
  for (const element of document.querySelectorAll(".gradio-container *")) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 1 || element.closest("#sketchpad")) continue;
    let parent = element.parentElement;
    while (parent && !scrolls(parent)) parent = parent.parentElement;
    if (!parent || parent === document.documentElement) {
      out.push(`${element.tagName.toLowerCase()}#${element.id}.${String(element.className).slice(0, 40)}`);
    }
  }
  return {pageScrolls: document.documentElement.scrollWidth > width, overflowing: out.slice(0, 10)};
}"""


@pytest.mark.parametrize("screen", NARROW_SCREENS)
def test_nothing_needs_scrolling_sideways_on_a_narrow_or_zoomed_page(opened, app_url: str, screen: str) -> None:
    page = opened(app_url, "light", viewport=NARROW_SCREENS[screen])
    expect(page.get_by_text("Join this class")).to_be_visible()  # a computer's narrow window still invites
    for state, reach in [("Prediction", with_a_seven_drawn), ("Inside the network", inside_with_the_drawing),
                         ("Training & report card", training_with_the_numbers_open),
                         ("the Join panel open", with_the_join_panel_open)]:
        reach(page)
        found = page.evaluate(OVERFLOW_JS)
        assert found == {"pageScrolls": False, "overflowing": []}, f"{state}, {screen}: {found}"


def test_no_animation_for_those_who_ask_for_less_motion(opened, app_url: str) -> None:
    """The selected tab's underline grows in and buttons ease into their states, unless the system asks for less."""
    page = opened(app_url, "light", **SCREENS["desktop"])
    durations = """() => [getComputedStyle(document.querySelector('[role=tab].selected'), '::after').animationDuration,
                          getComputedStyle(document.getElementById('clear')).transitionDuration]"""
    assert "0s" not in page.evaluate(durations)
    page.emulate_media(reduced_motion="reduce")
    assert page.evaluate(durations) == ["0s", "0s"]
