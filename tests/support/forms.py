"""Finding the forms on a page, as a browser would: their action, method and fields."""

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)       # name -> value (hidden fields keep theirs)
    hidden: set[str] = field(default_factory=set)
    choices: dict[str, list[str]] = field(default_factory=dict)  # selects and radios: allowed values
    kinds: dict[str, str] = field(default_factory=dict)         # name -> input type


class _FormParser(HTMLParser):
    def __init__(self, page_path: str):
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            action = a.get("hx-post") or a.get("action") or self.page_path
            method = "post" if a.get("hx-post") else (a.get("method") or "get").lower()
            self._form = Form(action=action, method=method)
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag in ("input", "textarea") and a.get("name"):
            kind = a.get("type", "text") if tag == "input" else "textarea"
            name = a["name"]
            if kind in ("submit", "button", "file"):
                return
            self._form.kinds[name] = kind
            if kind == "hidden":
                self._form.hidden.add(name)
                self._form.fields[name] = a.get("value", "")
            elif kind in ("radio", "checkbox"):
                self._form.choices.setdefault(name, []).append(a.get("value", "y"))
                self._form.fields.setdefault(name, a.get("value", "y"))
            else:
                self._form.fields.setdefault(name, a.get("value", ""))
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form.kinds[self._select] = "select"
            self._form.choices[self._select] = []
            self._form.fields.setdefault(self._select, "")
        elif tag == "option" and self._select:
            self._form.choices[self._select].append(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def forms_on(html: str, page_path: str) -> list[Form]:
    parser = _FormParser(page_path)
    parser.feed(html)
    return [f for f in parser.forms if f.method == "post"]
