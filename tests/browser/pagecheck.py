"""What every page must pass in a real browser, whoever opens it (issue 17).

- At 1366 px: axe-core (the engine Deque publishes, shipped inside axe-playwright-python) finds
  no serious or critical WCAG 2.1 A/AA violation; every id that an aria-describedby,
  aria-labelledby or label[for] names exists; no list, paragraph or box sits inside inline text
  (`<ul>` in `<small>` is invalid HTML); dates, numbers and short status words (marked
  `.nowrap`, `time`, `.status`, `.badge`) stay on one line.
- At 390 px (a phone): the page is no wider than the screen, and every button is at least 44 px
  tall (WCAG 2.5.5's target size, Apple's and Google's guidance for touch).

Each check returns findings as readable strings; an empty list is a pass. tests/browser/
test_page_checks.py proves that each check finds a page broken on purpose.
"""

from axe_playwright_python.sync_playwright import Axe

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")
MIN_TARGET = 44

_axe = Axe()

# One script per check, run in the page; each returns a list of strings.
_MISSING_IDREFS = """() => {
  const found = [];
  for (const el of document.querySelectorAll("[aria-describedby], [aria-labelledby], label[for]")) {
    for (const attr of ["aria-describedby", "aria-labelledby", "for"]) {
      const value = el.getAttribute(attr);
      if (value === null) continue;
      for (const id of value.split(/\\s+/).filter(Boolean)) {
        if (!document.getElementById(id)) found.push(`${el.tagName.toLowerCase()}[${attr}] -> #${id} (no such id)`);
      }
    }
  }
  return found;
}"""

# Blocks the HTML content model forbids inside phrasing elements (the parser keeps them there,
# so the DOM shows what the template wrote).
_BLOCK_IN_INLINE = """() => {
  const selector = ["small", "span", "label", "a", "button", "strong", "em"]
    .flatMap((inline) => ["ul", "ol", "div", "p", "table", "section", "h1", "h2", "h3"].map((b) => `${inline} ${b}`))
    .join(", ");
  return [...document.querySelectorAll(selector)].map((el) =>
    `<${el.tagName.toLowerCase()}> inside <${el.parentElement.tagName.toLowerCase()}>: ${el.outerHTML.slice(0, 80)}`);
}"""

_BROKEN_WORDS = """() => {
  const found = [];
  for (const el of document.querySelectorAll(".nowrap, time, .status, .badge")) {
    if (!el.offsetParent) continue;  // hidden
    // The lines its text takes: the distinct tops of the text's boxes (a table cell's own box is
    // as tall as its row, so the element's height would not tell).
    const range = document.createRange();
    range.selectNodeContents(el);
    const tops = [];
    for (const rect of range.getClientRects()) {
      if (rect.width > 0 && !tops.some((top) => Math.abs(top - rect.top) < rect.height / 2)) tops.push(rect.top);
    }
    if (tops.length > 1) found.push(`"${el.textContent.trim().slice(0, 30)}" breaks over ${tops.length} lines`);
  }
  return found;
}"""

_TOO_WIDE = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  // Name the elements that stick out, innermost first, so the report points at the cause.
  const out = [...document.body.querySelectorAll("*")].filter((el) => {
    const box = el.getBoundingClientRect();
    return box.right > width + 1 && box.width > 0 && getComputedStyle(el).position !== "fixed";
  }).filter((el) => !el.querySelector("*") || el.getBoundingClientRect().width <= width).slice(0, 5);
  const name = (el) => el.tagName.toLowerCase() + (el.id ? `#${el.id}` : "") +
    (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "");
  return [`page is ${document.documentElement.scrollWidth} px wide on a ${width} px screen`,
          ...out.map((el) => `  sticks out: ${name(el)} (right edge ${Math.round(el.getBoundingClientRect().right)} px)`)];
}"""

_SMALL_TARGETS = """(min) => [...document.querySelectorAll(
    "button, input[type=submit], input[type=button], a.button, summary")]
  .filter((el) => el.offsetParent && !el.closest("[hidden], [aria-hidden=true]"))
  .filter((el) => el.getBoundingClientRect().height < min - 0.5)
  .map((el) => `${el.tagName.toLowerCase()} "${(el.textContent || el.value).trim().slice(0, 20)}" is ${
    Math.round(el.getBoundingClientRect().height)} px tall`)"""


def axe_findings(page):
    results = _axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]})
    findings = []
    for violation in results.response["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        for node in violation["nodes"]:
            findings.append(f"axe {violation['id']} ({violation['impact']}): {', '.join(map(str, node['target']))}"
                            f" {node['html'][:100]}")
    return findings


def desktop_findings(page):
    """Run with the page at DESKTOP size."""
    return [
        *axe_findings(page),
        *page.evaluate(_MISSING_IDREFS),
        *page.evaluate(_BLOCK_IN_INLINE),
        *page.evaluate(_BROKEN_WORDS),
    ]


def phone_findings(page):
    """Run with the page at PHONE size."""
    return [*page.evaluate(_TOO_WIDE), *page.evaluate(_SMALL_TARGETS, MIN_TARGET)]


def check(page, label, findings):
    """Both sizes on the page as it stands; findings are appended as 'label: text'."""
    page.set_viewport_size(DESKTOP)
    findings.extend(f"{label} @1366: {text}" for text in desktop_findings(page))
    page.set_viewport_size(PHONE)
    findings.extend(f"{label} @390: {text}" for text in phone_findings(page))
    page.set_viewport_size(DESKTOP)
