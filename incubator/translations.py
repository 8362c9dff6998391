"""The zh_CN catalogues: extraction, update, compile and completeness.

One catalogue for the shared parts (incubator/*.py, the layout, macros, error
and home pages) in translations/, and one per area beside its code in
incubator/<area>/translations/, covering incubator/<area>/ and
templates/<area>/. Areas are built side by side; each owns its strings.
Flask-Babel merges the catalogues at run time.
"""

from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from incubator import PROJECT_ROOT
from incubator.i18n import ZH

METHODS = [("**.py", "python"), ("**.html", "jinja2")]
OPTIONS = {"**.html": {"extensions": "jinja2.ext.i18n,jinja2.ext.do", "trimmed": "true"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None,
            "lazy_ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
SHARED_TEMPLATE_DIRS = ("macros", "errors", "pages")


@dataclass(frozen=True)
class Source:
    name: str
    sources: tuple[Path, ...]
    directory: Path

    @property
    def po_path(self) -> Path:
        return self.directory / ZH / "LC_MESSAGES" / "messages.po"


def catalogues() -> list[Source]:
    from incubator.areas import AREA_PACKAGES

    templates = PROJECT_ROOT / "templates"
    core = [p for p in (PROJECT_ROOT / "incubator").glob("*.py")]
    core += list(templates.glob("*.html")) + [templates / d for d in SHARED_TEMPLATE_DIRS]
    found = [Source("core", tuple(core), PROJECT_ROOT / "translations")]
    for package in AREA_PACKAGES:
        name = package.rsplit(".", 1)[1]
        found.append(Source(name, (PROJECT_ROOT / "incubator" / name, templates / name),
                            PROJECT_ROOT / "incubator" / name / "translations"))
    return found


def extract(source: Source) -> Catalog:
    catalog = Catalog(locale=None, project="incubator")
    for path in source.sources:
        if path.is_dir():
            messages = extract_from_dir(str(path), METHODS, OPTIONS, KEYWORDS)
            for filename, lineno, message, comments, context in messages:
                catalog.add(message, None, [(str(path / filename), lineno)],
                            auto_comments=comments, context=context)
        elif path.is_file():
            method = "jinja2" if path.suffix == ".html" else "python"
            options = OPTIONS["**.html"] if method == "jinja2" else {}
            for lineno, message, comments, context in extract_from_file(method, str(path), KEYWORDS,
                                                                        options=options):
                catalog.add(message, None, [(str(path), lineno)], auto_comments=comments, context=context)
    return catalog


def _relative(catalog: Catalog) -> None:
    for message in catalog:
        message.locations = [(str(Path(f).relative_to(PROJECT_ROOT)), n) for f, n in message.locations]


def update(source: Source) -> None:
    template = extract(source)
    _relative(template)
    if not len(template) and not source.po_path.exists():
        return
    if source.po_path.exists():
        with source.po_path.open("rb") as f:
            catalog = read_po(f, locale=ZH)
        catalog.update(template, no_fuzzy_matching=True)
    else:
        catalog = Catalog(locale=ZH, project="incubator")
        catalog.update(template)
    source.po_path.parent.mkdir(parents=True, exist_ok=True)
    with source.po_path.open("wb") as f:
        write_po(f, catalog, width=100, omit_header=False, ignore_obsolete=True)


def compile_catalogue(source: Source) -> None:
    if not source.po_path.exists():
        return
    with source.po_path.open("rb") as f:
        catalog = read_po(f, locale=ZH)
    with source.po_path.with_suffix(".mo").open("wb") as f:
        write_mo(f, catalog, use_fuzzy=False)


def missing_translations() -> list[tuple[str, str]]:
    """(catalogue, msgid) for every extracted string without a zh_CN translation."""
    missing = []
    for source in catalogues():
        wanted = extract(source)
        translated = {}
        if source.po_path.exists():
            with source.po_path.open("rb") as f:
                for message in read_po(f, locale=ZH):
                    if message.id and not message.fuzzy:
                        translated[message.id] = message.string
        for message in wanted:
            if not message.id:
                continue
            string = translated.get(message.id)
            if not string or (isinstance(string, tuple) and not all(string)):
                missing.append((source.name, message.id if isinstance(message.id, str) else message.id[0]))
    return missing


def conflicting_translations() -> list[tuple[str, list[tuple[str, str]]]]:
    """msgids translated differently in two catalogues. Flask-Babel merges the
    catalogues at run time, so one of the two would silently win everywhere."""
    seen: dict[str, list[tuple[str, str]]] = {}
    for source in catalogues():
        if not source.po_path.exists():
            continue
        with source.po_path.open("rb") as f:
            for message in read_po(f, locale=ZH):
                if message.id and isinstance(message.id, str) and message.string and not message.context:
                    seen.setdefault(message.id, []).append((source.name, message.string))
    return [(msgid, places) for msgid, places in sorted(seen.items())
            if len({string for _name, string in places}) > 1]
