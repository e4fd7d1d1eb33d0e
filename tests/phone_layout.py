"""What "fits a 360 px phone" means, measured in the browser: shared by the browser tests.

A page fits when the document does not scroll sideways AND no visible element reaches past the
window's right edge (an element can stick out of a box with overflow:hidden on <body> and still be
cut off). Elements inside a box that scrolls or clips on its own (a `.table-scroll` wrapper) are
measured by that box, not by themselves: a wide table may scroll within itself.
"""

from __future__ import annotations

from pathlib import Path

PHONE_WIDTH = 360

# Returns {scrollWidth, innerWidth, offenders: [{right, tag, cls, text}]} (widest first).
_MEASURE = """
() => {
  const width = %d;
  const clips = (el) => {
    const x = getComputedStyle(el).overflowX;
    return x === 'auto' || x === 'scroll' || x === 'hidden' || x === 'clip';
  };
  const inClippingBox = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (clips(p)) return true;
    }
    return false;
  };
  const offenders = [];
  for (const el of document.body.querySelectorAll('*')) {
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.right + window.scrollX <= width + 0.5 || inClippingBox(el)) continue;
    offenders.push({
      right: Math.round(box.right + window.scrollX),
      tag: el.tagName.toLowerCase(),
      cls: el.className && typeof el.className === 'string' ? el.className : '',
      text: (el.innerText || el.value || '').trim().slice(0, 60),
    });
  }
  offenders.sort((a, b) => b.right - a.right);
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    offenders: offenders.slice(0, 5),
  };
}
"""

# Tap targets: menu links, buttons, inputs and selects at least 44 px tall (checkboxes and radios
# are ticked through their label, which is the target).
_SMALL_TARGETS = """
() => {
  const selector = '.topbar a, .topbar button, .topbar summary, button, select, textarea, ' +
    'input:not([type=checkbox]):not([type=radio]):not([type=hidden])';
  const small = [];
  for (const el of document.querySelectorAll(selector)) {
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.height < 43.5) {
      small.push({
        height: Math.round(box.height),
        tag: el.tagName.toLowerCase(),
        cls: typeof el.className === 'string' ? el.className : '',
        text: (el.innerText || el.value || el.name || '').trim().slice(0, 40),
      });
    }
  }
  return small.slice(0, 5);
}
"""


def overflow(page) -> str | None:
    """None when the page fits the phone's width; else what sticks out, for the failure message."""
    found = page.evaluate(_MEASURE % PHONE_WIDTH)
    if found["scrollWidth"] <= PHONE_WIDTH and not found["offenders"]:
        return None
    parts = [f"scrollWidth {found['scrollWidth']}"]
    for o in found["offenders"]:
        parts.append(f"<{o['tag']} class='{o['cls']}'> right {o['right']}: {o['text']!r}")
    return "; ".join(parts)


def small_targets(page) -> str | None:
    """None when every tap target is at least 44 px tall; else the small ones."""
    small = page.evaluate(_SMALL_TARGETS)
    if not small:
        return None
    return "; ".join(
        f"<{s['tag']} class='{s['cls']}'> {s['height']} px: {s['text']!r}" for s in small
    )


def artefacts_dir() -> Path:
    """Where the browser tests keep their screenshots: test-artifacts/ at the repository's top
    (ignored by git), or $POINTSYS_TEST_ARTIFACTS; kept after the run for people to look at."""
    import os

    folder = Path(
        os.environ.get("POINTSYS_TEST_ARTIFACTS")
        or Path(__file__).resolve().parent.parent / "test-artifacts"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder
