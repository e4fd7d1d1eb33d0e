"""A clerk at a browser, played through the test client, counting clicks.

A click is what a mouse or a finger does: following a link, choosing an item from a list,
ticking a box, pressing a button. Typing into a box (and Tab to the next one) is not a click.
Each page's form is read from its HTML as a browser would (hidden fields, ticked boxes, the
values shown), so what is submitted is what the page offered, not what the test assumes.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: dict[str, dict] = {}
        self.links: dict[str, str] = {}
        self._form: dict | None = None
        self._select: str | None = None
        self._link: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action", ""), "fields": {}, "checkboxes": {}}
            self.forms[a.get("id") or f"form{len(self.forms)}"] = self._form
        elif tag == "a" and a.get("href"):
            self._link, self._text = a["href"], []
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind == "checkbox":
                self._form["checkboxes"][(a["name"], a.get("value", "on"))] = "checked" in a
            elif kind not in ("submit", "button", "file"):
                self._form["fields"][a["name"]] = a.get("value", "")
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form["fields"].setdefault(a["name"], "")
        elif tag == "option" and self._select and "selected" in a:
            self._form["fields"][self._select] = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._form["fields"][a["name"]] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "a" and self._link is not None:
            self.links.setdefault("".join(self._text).strip(), self._link)
            self._link = None

    def handle_data(self, data):
        if self._link is not None:
            self._text.append(data)


class Clerk:
    """Pages and clicks: `clicks` counts them, `posts` the form submissions."""

    def __init__(self, client) -> None:
        self.client = client
        self.clicks = 0
        self.posts = 0
        self.url = "/"
        self.html = ""
        self.status = 0

    def _load(self, response, url) -> None:
        while response.status_code in (301, 302, 303):
            url = urljoin(url, response.headers["Location"])
            response = self.client.get(url)
        self.url, self.status = url, response.status_code
        self.html = response.get_data(as_text=True)
        parser = _Forms()
        parser.feed(self.html)
        self.forms, self.links = parser.forms, parser.links

    def open(self, url: str) -> None:
        """Where the clerk starts (a page already open: no click)."""
        self._load(self.client.get(url), url)

    def follow(self, text: str) -> None:
        """Click the link that reads `text`."""
        self.clicks += 1
        self._load(self.client.get(urljoin(self.url, self.links[text])), self.url)

    def choose(self, form: str, name: str, value: str) -> None:
        """Pick `value` in a list (a select): one click."""
        self.clicks += 1
        self.forms[form]["fields"][name] = value

    def tick(self, form: str, name: str, value: str, on: bool = True) -> None:
        self.clicks += 1
        self.forms[form]["checkboxes"][(name, value)] = on

    def type(self, form: str, name: str, text: str) -> None:
        """Type into a box: no click."""
        assert name in self.forms[form]["fields"], f"no box {name} on {self.url}"
        self.forms[form]["fields"][name] = text

    def press(self, form: str, name: str | None = None, value: str = "") -> None:
        """Press a button of the form (its name and value are sent, as a browser does)."""
        self.clicks += 1
        self.posts += 1
        f = self.forms[form]
        data: dict[str, list[str]] = {}
        for key, text in f["fields"].items():
            data.setdefault(key, []).append(text)
        for (key, text), ticked in f["checkboxes"].items():
            if ticked:
                data.setdefault(key, []).append(text)
        if name:
            data[name] = [value]
        action = urljoin(self.url, f["action"] or self.url)
        self._load(self.client.post(action, data=data), action)
