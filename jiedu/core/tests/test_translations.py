"""The English catalogue (locale/en) is complete, compiled, and covers the strings in the code.

Chinese is the source language; English lives in locale/en/LC_MESSAGES/django.po. When a test
here fails, run `make messages`, translate the new entries in the .po, and run `make messages`
again so that the .mo is recompiled.
"""

import ast
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

BASE = Path(settings.BASE_DIR)
PO_PATH = BASE / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
FIX = "run `make messages`, translate the new entries in locale/en/LC_MESSAGES/django.po, "
FIX += "then `make messages` again to recompile"

PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]")

# _("…") or gettext/gettext_lazy/pgettext…("…") in Python, implicit concatenation allowed.
_PY_STR = r"""(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')"""
PY_CALL = re.compile(
    r"(?:(?<![\w.])|(?<=translation\.))(?:_|gettext|gettext_lazy|gettext_noop)\(\s*"
    rf"((?:[rbuRBU]?{_PY_STR}\s*)+)\s*[,)]"
)
# {% translate "…" %} / {% trans '…' %} (optionally with noop / as var / context).
TPL_TRANSLATE = re.compile(r"""\{%\s*trans(?:late)?\s+(["'])(.*?)\1[^%]*%\}""", re.S)
# {% blocktranslate … %}…{% endblocktranslate %}, with an optional {% plural %}.
TPL_BLOCK = re.compile(
    r"\{%\s*blocktrans(?:late)?\b([^%]*)%\}(.*?)\{%\s*endblocktrans(?:late)?\s*%\}", re.S
)
TPL_VAR = re.compile(r"\{\{\s*(\w+)\s*\}\}")
TPL_PLURAL = re.compile(r"\{%\s*plural\s*%\}")


@pytest.fixture(scope="module")
def catalogue():
    assert PO_PATH.exists(), f"missing {PO_PATH.relative_to(BASE)}: {FIX}"
    return polib.pofile(str(PO_PATH))


def _entries(po):
    return [e for e in po if not e.obsolete]


def test_every_entry_translated_and_not_fuzzy(catalogue):
    assert not catalogue.metadata_is_fuzzy, "the .po header is marked fuzzy"
    assert catalogue.metadata.get("Language") == "en"
    untranslated, fuzzy = [], []
    for e in _entries(catalogue):
        if "fuzzy" in e.flags:
            fuzzy.append(e.msgid)
        if e.msgid_plural:
            if not e.msgstr_plural or not all(v.strip() for v in e.msgstr_plural.values()):
                untranslated.append(e.msgid)
        elif not e.msgstr.strip():
            untranslated.append(e.msgid)
    assert not untranslated, f"untranslated entries ({FIX}):\n" + "\n".join(untranslated)
    assert not fuzzy, "fuzzy entries (check and remove the flag):\n" + "\n".join(fuzzy)


def test_placeholders_are_kept(catalogue):
    bad = []
    for e in _entries(catalogue):
        if e.msgid_plural:
            pairs = [(e.msgid, e.msgstr_plural.get(0, ""))]
            pairs += [(e.msgid_plural, v) for k, v in e.msgstr_plural.items() if k != 0]
        else:
            pairs = [(e.msgid, e.msgstr)]
        for src, dst in pairs:
            if sorted(PLACEHOLDER.findall(src)) != sorted(PLACEHOLDER.findall(dst)):
                bad.append(f"{src!r} -> {dst!r}")
    assert not bad, "placeholders differ between msgid and msgstr:\n" + "\n".join(bad)


def test_compiled_catalogue_matches_po(catalogue):
    assert MO_PATH.exists(), f"missing {MO_PATH.relative_to(BASE)}: {FIX}"
    stale = []
    with translation.override("en"):
        for e in _entries(catalogue):
            if e.msgid_plural:
                for n, idx in ((1, 0), (2, 1)):
                    got = translation.ngettext(e.msgid, e.msgid_plural, n)
                    if got != e.msgstr_plural.get(idx):
                        stale.append(f"{e.msgid!r}[{idx}]: .mo gives {got!r}")
            elif e.msgctxt:
                got = translation.pgettext(e.msgctxt, e.msgid)
                if got != e.msgstr:
                    stale.append(f"{e.msgctxt}|{e.msgid!r}: .mo gives {got!r}")
            else:
                got = translation.gettext(e.msgid)
                if got != e.msgstr:
                    stale.append(f"{e.msgid!r}: .mo gives {got!r}")
    assert not stale, (
        "django.mo is out of date with django.po (run `make messages` or "
        "`manage.py compilemessages -l en`):\n" + "\n".join(stale)
    )


def _python_sources():
    this = Path(__file__).resolve()
    for path in sorted((BASE / "jiedu").rglob("*.py")):
        if "migrations" in path.parts or path.resolve() == this:
            continue
        yield path


def _python_msgids(path):
    text = path.read_text(encoding="utf-8")
    for m in PY_CALL.finditer(text):
        parts = re.findall(rf"[rbuRBU]?{_PY_STR}", m.group(1))
        value = "".join(ast.literal_eval(p) for p in parts)
        if isinstance(value, str) and value:
            line = text.count("\n", 0, m.start()) + 1
            yield value, f"{path.relative_to(BASE)}:{line}"


def _block_msgid(body):
    # What makemessages makes of a blocktranslate body: {{ v }} -> %(v)s, % -> %%.
    return TPL_VAR.sub(lambda m: f"%({m.group(1)})s", body.replace("%", "%%"))


def _template_msgids(path):
    text = path.read_text(encoding="utf-8")
    where = lambda pos: f"{path.relative_to(BASE)}:{text.count(chr(10), 0, pos) + 1}"  # noqa: E731
    for m in TPL_TRANSLATE.finditer(text):
        yield m.group(2), None, where(m.start())
    for m in TPL_BLOCK.finditer(text):
        args, body = m.group(1), m.group(2)
        if "trimmed" in args.split():
            body = " ".join(line.strip() for line in body.strip().splitlines())
        pieces = TPL_PLURAL.split(body, maxsplit=1)
        singular = pieces[0]
        plural = pieces[1] if len(pieces) > 1 else None
        yield (
            _block_msgid(singular),
            _block_msgid(plural) if plural is not None else None,
            where(m.start()),
        )


def test_source_strings_are_in_catalogue(catalogue):
    known = {e.msgid for e in _entries(catalogue)}
    plurals = {e.msgid: e.msgid_plural for e in _entries(catalogue) if e.msgid_plural}
    missing = []
    for path in _python_sources():
        for msgid, where in _python_msgids(path):
            if msgid not in known:
                missing.append(f"{where}: {msgid!r}")
    for path in sorted((BASE / "templates").rglob("*.html")):
        for msgid, plural, where in _template_msgids(path):
            if msgid not in known:
                missing.append(f"{where}: {msgid!r}")
            elif plural is not None and plurals.get(msgid) != plural:
                missing.append(f"{where}: plural {plural!r}")
    assert not missing, (
        f"strings marked for translation but not in the English catalogue ({FIX}):\n"
        + "\n".join(missing)
    )


def test_scanner_finds_known_strings():
    """Guard against the regexes above silently matching nothing."""
    py = list(_python_msgids(BASE / "jiedu" / "people" / "choices.py"))
    assert any(msgid == "居民身份证" for msgid, _where in py)
    tpl = list(_template_msgids(BASE / "templates" / "people" / "_person_results.html"))
    assert ("共 %(n)s 人", "共 %(n)s 人") in [(s, p) for s, p, _where in tpl]
    assert any(s == "上一页" for s, _p, _where in tpl)
