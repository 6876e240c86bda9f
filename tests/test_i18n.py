"""The zh_CN catalog translates every message the code and templates use."""
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def test_every_message_is_translated(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "-q", "extract", "-F", "babel.cfg", "-k", "_l",
                    "-k", "lazy_gettext", "-o", str(pot), "."], cwd=ROOT, check=True)
    with pot.open("rb") as fh:
        template = read_po(fh)
    with (ROOT / "translations/zh_CN/LC_MESSAGES/messages.po").open("rb") as fh:
        catalog = read_po(fh, locale="zh_CN")
    missing = [m.id for m in template if m.id and not (catalog.get(m.id) and catalog.get(m.id).string
                                                       and "fuzzy" not in catalog.get(m.id).flags)]
    assert not missing, f"{len(missing)} untranslated, e.g. {missing[:10]}"


def test_placeholders_survive_translation():
    with (ROOT / "translations/zh_CN/LC_MESSAGES/messages.po").open("rb") as fh:
        catalog = read_po(fh, locale="zh_CN")
    import re
    bad = []
    for m in catalog:
        if not m.id or not m.string:
            continue
        ids = m.id if isinstance(m.id, str) else m.id[0]
        text = m.string if isinstance(m.string, str) else m.string[0]
        if set(re.findall(r"%\((\w+)\)s", ids)) != set(re.findall(r"%\((\w+)\)s", text)):
            bad.append(ids)
    assert not bad, bad[:10]
