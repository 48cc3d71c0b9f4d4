"""Read a page's POST form as a browser would submit it, so sweeps post real forms.

A test takes a form from the page a permitted user sees, changes what it needs to,
and posts it as each role: the body is valid, so a refusal proves the permission
check and not a missing field.
"""

from __future__ import annotations

from html.parser import HTMLParser


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._form = {"action": a.get("action"), "fields": []}
            self.forms.append(self._form)
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form["fields"].append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "file"):
                self._form["fields"].append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select, self._select_first = name, None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                self._form["fields"].append((self._select, value))
                self._select_first = "chosen"
        elif tag == "textarea" and name:
            self._textarea = name
            self._form["fields"].append((name, ""))

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            name, value = self._form["fields"][-1]
            self._form["fields"][-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "select" and self._select and self._form is not None:
            if self._select_first != "chosen":
                self._form["fields"].append((self._select, self._select_first or ""))
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._form = None


def post_form(html: str, path: str) -> dict[str, list[str]]:
    """The fields of the page's POST form that submits to `path` (or to itself)."""
    parser = _Forms()
    parser.feed(html)
    bare = path.split("?")[0]
    chosen = [f for f in parser.forms if (f["action"] or "").split("?")[0] in (bare, "")]
    if not chosen:
        chosen = [f for f in parser.forms if not f["action"]]
    assert chosen, f"no POST form for {path}"
    fields: dict[str, list[str]] = {}
    for name, value in chosen[0]["fields"]:
        fields.setdefault(name, []).append(value)
    return fields
