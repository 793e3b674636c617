"""Translation catalogues: extract, update, compile and check (a developer tool).

Core and the web layer share ``web/translations``; each plugin keeps its own
catalogue in ``plugins/<name>/translations`` so a plugin brings its own strings, and so
does each example plugin (``examples/<distribution>/<package>/translations``).

    python -m scripts.catalogs update    # extract msgids, add new ones to every .po
    python -m scripts.catalogs compile   # write the .mo files the app loads
    python -m scripts.catalogs check     # fail on a msgid missing or untranslated
    python -m scripts.catalogs merge FILE DIR  # msgid<TAB>中文 lines into DIR's zh_CN catalogue

The English catalogue translates each msgid to itself.
"""
from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOCALES = ("zh_CN", "en")
# Folder of each locale's catalogue. Babel reads zh_CN as zh_Hans_CN, and gettext
# falls back from both to "zh", so the Chinese catalogue lives there.
FOLDERS = {"zh_CN": "zh", "en": "en"}

# Every callable whose first argument is a msgid: markers, gettext and the
# errors that carry a message (a meta-test checks that each DubanError is here).
KEYWORDS = {
    "_": None, "N_": None, "gettext": None, "lazy_gettext": None, "message": None,
    "ngettext": (1, 2), "lazy_ngettext": (1, 2),
    "DubanError": None, "NotFound": None, "Forbidden": None, "InvalidTransition": None,
    "ValidationError": None, "AccountLocked": None, "CellError": None, "FileRejected": None,
    "FileTooLarge": None, "ExpressionError": None, "RuleError": None, "NotEnoughOutcomes": None,
    "UploadRejected": None, "IdempotencyConflict": None, "Unauthorized": None, "RowsRejected": None,
    "AttachmentRejected": None, "FormRejected": None, "FormChanged": None, "Unreachable": None, "QuotaFull": None,
    "SubmissionRejected": None, "SurveyClosed": None, "TokenRejected": None, "ConcurrentWrite": None,
    "FormTokenRejected": None,
}
METHODS = [
    ("**.py", "python"),
    ("**/templates/**.html", "jinja2"),
]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def domains() -> list[tuple[str, list[str]]]:
    """(catalogue folder, source folders) for core+web, for each plugin, and for each example plugin.

    An example plugin is a distribution of its own under ``examples/<name>/`` (the 12345 hotline):
    each package in it keeps its catalogue beside its code, as an outside plugin does.
    """
    result = [(os.path.join(ROOT, "web", "translations"), [os.path.join(ROOT, "core"), os.path.join(ROOT, "web")])]
    plugins = os.path.join(ROOT, "plugins")
    folders = [os.path.join(plugins, name) for name in sorted(os.listdir(plugins))]
    examples = os.path.join(ROOT, "examples")
    if os.path.isdir(examples):
        for distribution in sorted(os.listdir(examples)):
            base = os.path.join(examples, distribution)
            if os.path.isfile(os.path.join(base, "pyproject.toml")):
                folders.extend(os.path.join(base, name) for name in sorted(os.listdir(base)))
    for folder in folders:
        if os.path.isfile(os.path.join(folder, "__init__.py")):
            result.append((os.path.join(folder, "translations"), [folder]))
    return result


def extract(sources: list[str]) -> Catalog:
    """Every msgid used in ``sources``."""
    catalog = Catalog(project="duban", charset="utf-8")
    for source in sources:
        for filename, lineno, msgid, _comments, context in extract_from_dir(
            source, METHODS, options_map=OPTIONS, keywords=KEYWORDS, strip_comment_tags=True
        ):
            if isinstance(msgid, str) and not msgid.strip():
                continue
            catalog.add(msgid, None, [(os.path.relpath(os.path.join(source, filename), ROOT), lineno)],
                        context=context)
    return catalog


def _po_path(folder: str, locale: str) -> str:
    return os.path.join(folder, FOLDERS[locale], "LC_MESSAGES", "messages.po")


def load(folder: str, locale: str) -> Catalog:
    path = _po_path(folder, locale)
    if not os.path.exists(path):
        return Catalog(locale=locale, project="duban", charset="utf-8")
    with open(path, "rb") as handle:
        return read_po(handle, locale=locale)


def save(folder: str, locale: str, catalog: Catalog) -> None:
    path = _po_path(folder, locale)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        write_po(handle, catalog, width=0, sort_output=True, omit_header=False, ignore_obsolete=True)


def mo_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def update() -> None:
    for folder, sources in domains():
        template = extract(sources)
        if not len(template) and not os.path.isdir(folder):
            continue
        for locale in LOCALES:
            old = load(folder, locale)
            # Keep the header's dates so an update with no new message changes nothing.
            new = Catalog(locale=locale, project="duban", charset="utf-8",
                          creation_date=old.creation_date, revision_date=old.revision_date)
            for message in template:
                if not message.id:
                    continue
                previous = old.get(message.id, context=message.context)
                string: str | tuple[str, ...] | list[str] | None
                if locale == "en":
                    string = message.id
                else:
                    string = previous.string if previous is not None else ""
                new.add(message.id, string, message.locations, context=message.context)
            save(folder, locale, new)


def compile_all() -> None:
    for folder, _sources in domains():
        for locale in LOCALES:
            if os.path.exists(_po_path(folder, locale)):
                with open(_po_path(folder, locale).replace(".po", ".mo"), "wb") as handle:
                    handle.write(mo_bytes(load(folder, locale)))


def problems() -> Iterator[str]:
    """Every msgid missing or untranslated, and every stale .mo file."""
    for folder, sources in domains():
        template = extract(sources)
        for locale in LOCALES:
            catalog = load(folder, locale)
            for message in template:
                if not message.id:
                    continue
                found = catalog.get(message.id, context=message.context)
                if found is None or not found.string or (isinstance(found.string, tuple) and not all(found.string)):
                    yield f"{os.path.relpath(folder, ROOT)} {locale}: untranslated {message.id!r}"
                elif found.fuzzy:
                    yield f"{os.path.relpath(folder, ROOT)} {locale}: fuzzy {message.id!r}"
            mo_path = _po_path(folder, locale).replace(".po", ".mo")
            if len(template):
                if not os.path.exists(mo_path):
                    yield f"{os.path.relpath(mo_path, ROOT)} is missing"
                else:
                    with open(mo_path, "rb") as handle:
                        if handle.read() != mo_bytes(catalog):
                            yield f"{os.path.relpath(mo_path, ROOT)} is stale: run compile"


def merge(tsv: str, folder: str) -> None:
    """Fill the zh_CN catalogue in ``folder`` from ``msgid<TAB>中文`` lines."""
    catalog = load(folder, "zh_CN")
    with open(tsv, encoding="utf-8") as handle:
        for line in handle:
            if "\t" not in line:
                continue
            msgid, text = line.rstrip("\n").split("\t", 1)
            msgid = msgid.replace("\\n", "\n")
            existing = catalog.get(msgid)
            if existing is not None:
                existing.string = text.replace("\\n", "\n")
            else:
                catalog.add(msgid, text.replace("\\n", "\n"))
    save(folder, "zh_CN", catalog)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "update":
        update()
    elif command == "compile":
        compile_all()
    elif command == "merge":
        merge(argv[1], argv[2])
    elif command == "check":
        found = list(problems())
        for line in found:
            print(line)
        return 1 if found else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
