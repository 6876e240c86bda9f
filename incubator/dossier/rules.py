"""The auditor's dossier, pure rules: the ZIP's layout and file names (Chinese, safe on every
file system, unique), which entries are compressed, when a dossier is small enough to build in
the request, the job's state table and the text of the checksum list. No database, no Flask."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

# --- layout ------------------------------------------------------------------------------------

INDEX = "00_索引.pdf"
ISSUED_DIR = "01_签发文件"
UPLOADS_DIR = "02_上传材料"
AUDIT_SHEET = "03_审计记录.xlsx"
MANIFEST = "manifest.json"
CHECKSUMS = "SHA256SUMS.txt"

# checks of a stored file against the hash recorded when it was stored
CHECK_OK, CHECK_MISMATCH, CHECK_MISSING = "ok", "mismatch", "missing"
CHECK_LABELS = {CHECK_OK: "校验通过", CHECK_MISMATCH: "校验失败", CHECK_MISSING: "文件缺失"}

# --- built in the request or in the background ----------------------------------------------------

# A dossier up to this size is built while the requester waits (a few seconds: the index PDF is
# most of it) and downloads at once; anything larger is a background job with progress.
INLINE_MAX_FILES = 40
INLINE_MAX_BYTES = 40 * 1024 * 1024

# A job that has shown no progress for this long lost its worker (a restart, a crash): it is
# failed, so the company is not blocked from a new dossier.
STALE_AFTER = dt.timedelta(minutes=30)


def fits_in_request(files: int, total_bytes: int, max_files: int | None = None, max_bytes: int | None = None) -> bool:
    """Whether a dossier of `files` stored files and `total_bytes` is built in the request."""
    max_files = INLINE_MAX_FILES if max_files is None else max_files
    max_bytes = INLINE_MAX_BYTES if max_bytes is None else max_bytes
    return files <= max_files and total_bytes <= max_bytes


def is_stale(last_activity: dt.datetime, now: dt.datetime) -> bool:
    return now - last_activity > STALE_AFTER


# --- the job's states ------------------------------------------------------------------------------

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
OPEN = (QUEUED, RUNNING)

# (state, action) → next state; every change of a job's state is one conditional UPDATE from a
# source state listed here
TRANSITIONS = {
    (QUEUED, "start"): RUNNING,
    (RUNNING, "finish"): DONE,
    (QUEUED, "fail"): FAILED,  # stale before a worker took it
    (RUNNING, "fail"): FAILED,
    (FAILED, "retry"): QUEUED,
}


def sources(action: str) -> tuple[str, ...]:
    """The states `action` may start from."""
    return tuple(state for (state, a) in TRANSITIONS if a == action)


def target(action: str) -> str:
    """The state `action` leads to (the same from each of its sources)."""
    (state,) = {t for (_s, a), t in TRANSITIONS.items() if a == action}
    return state


def next_state(state: str, action: str) -> str:
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise ValueError(f"a {state} dossier job cannot {action}") from None


def percent(done: int, total: int) -> int:
    """Whole percent done, 100 only when everything is."""
    if total <= 0:
        return 0
    value = done * 100 // total
    return 100 if done >= total else min(value, 99)


# --- names inside the ZIP ----------------------------------------------------------------------------

_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_SPACES = re.compile(r"\s+")
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$", re.IGNORECASE)
_EXT = re.compile(r"^[a-z0-9]{1,5}$")
MAX_PART = 60  # characters of a title or number in a name (Windows paths stay under 260)
EXT_BY_MIME = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png",
               "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx"}


def safe_part(text: str | None, fallback: str = "未命名") -> str:
    """One path component: Unicode (Chinese) kept, NFC; path separators, control and characters
    Windows refuses dropped; no leading or trailing dots or spaces (so never '..'); at most
    MAX_PART characters; device names like CON prefixed."""
    name = unicodedata.normalize("NFC", text or "")
    name = _UNSAFE.sub("", _SPACES.sub(" ", name)).strip(" .")
    name = name[:MAX_PART].rstrip(" .")
    if not name:
        return fallback
    return f"_{name}" if _RESERVED.match(name) else name


def extension(display_name: str | None, mime: str | None) -> str:
    """The stored file's extension: the one in its name when sane, else from its type."""
    ext = PurePosixPath(display_name or "").suffix.lstrip(".").lower()
    if _EXT.match(ext):
        return ext
    return EXT_BY_MIME.get(mime or "", "bin")


def issued_path(number: str, title: str) -> str:
    """01_签发文件/SX-RZ-2026-00001_入驻证书.pdf"""
    return f"{ISSUED_DIR}/{safe_part(number, 'no-number')}_{safe_part(title)}.pdf"


@dataclass(frozen=True)
class UploadedDoc:
    """What naming needs of one uploaded document: `key` identifies it, `versions` are
    (version number, extension) pairs."""
    key: int
    folder: str  # the category's Chinese name
    title: str
    versions: tuple[tuple[int, str], ...]


def upload_paths(documents: Iterable[UploadedDoc]) -> dict[tuple[int, int], str]:
    """(document key, version) → 02_上传材料/<category>/<title>_v<n>.<ext>. Documents that share a
    title in one folder are told apart by (2), (3)… after the title, in the order given (whatever
    their file types), so one name always means one document and its versions stay side by side."""
    titles: set[str] = set()  # folder/title of each document named so far
    names: set[str] = set()  # every path given ("a_v1" as a title must not collide with "a" v1)
    paths = {}
    for doc in documents:
        folder = f"{UPLOADS_DIR}/{safe_part(doc.folder, '其他')}"
        title, n = safe_part(doc.title), 1
        while True:
            stem = title if n == 1 else f"{title}({n})"
            candidates = [f"{folder}/{stem}_v{no}.{ext}" for no, ext in doc.versions]
            if _fold(f"{folder}/{stem}") not in titles and not any(_fold(c) in names for c in candidates):
                break
            n += 1
        titles.add(_fold(f"{folder}/{stem}"))
        for (no, _ext), path in zip(doc.versions, candidates, strict=True):
            names.add(_fold(path))
            paths[(doc.key, no)] = path
    return paths


def unique_paths(paths: Iterable[str]) -> list[str]:
    """The paths in order, a later one equal to an earlier one (ignoring case: Windows and macOS
    unpack case-insensitively) renamed name(2).ext, name(3).ext…"""
    taken: set[str] = set()
    out = []
    for path in paths:
        stem, dot, ext = path.rpartition(".") if "." in PurePosixPath(path).name else (path, "", "")
        candidate, n = path, 1
        while _fold(candidate) in taken:
            n += 1
            candidate = f"{stem}({n}){dot}{ext}"
        taken.add(_fold(candidate))
        out.append(candidate)
    return out


def _fold(path: str) -> str:
    return unicodedata.normalize("NFC", path).casefold()


# --- entries -----------------------------------------------------------------------------------------

# already compressed (JPEG, PNG, PDF streams; Word and Excel files are ZIPs themselves): deflating
# them again costs time and gains nothing
STORED_EXTENSIONS = frozenset({"pdf", "jpg", "jpeg", "png", "docx", "xlsx", "zip"})


def is_stored(path: str) -> bool:
    """Whether the entry is stored as is (ZIP_STORED) rather than deflated."""
    return PurePosixPath(path).suffix.lstrip(".").lower() in STORED_EXTENSIONS


def zip_date_time(moment: dt.datetime) -> tuple[int, int, int, int, int, int]:
    """A ZIP entry's date and time (local, as unpacking tools show it); ZIP cannot go before 1980."""
    moment = max(moment.replace(tzinfo=None), dt.datetime(1980, 1, 1))
    return moment.timetuple()[:6]


def checksums_text(entries: Iterable[tuple[str, str]]) -> str:
    """`sha256sum -c` input: one '<hash>  <path>' line per (path, hash), UTF-8, LF."""
    return "".join(f"{sha256}  {path}\n" for path, sha256 in entries)


def grouped(digest: str | None, width: int = 16) -> str:
    """A hex digest in groups of `width` separated by spaces: it wraps in a narrow column without
    per-character line breaking (which makes long PDF tables several times slower to lay out)."""
    if not digest:
        return "—"
    return " ".join(digest[i:i + width] for i in range(0, len(digest), width))


def human_size(size: int | None) -> str:
    if size is None:
        return "—"
    if size < 1024:
        return f"{size} B"
    for unit in ("KB", "MB", "GB"):
        size /= 1024
        if size < 1024 or unit == "GB":
            return f"{size:.1f} {unit}"
    return f"{size:.1f} GB"  # pragma: no cover - the loop returns


# --- the audit sheet ----------------------------------------------------------------------------------

AUDIT_HEADERS = ("序号", "时间（北京时间）", "操作人", "账号", "操作", "对象", "摘要", "变更前", "变更后",
                 "条目哈希", "前一条目哈希")
AUDIT_WIDTHS = (8, 20, 14, 14, 24, 22, 40, 40, 40, 68, 68)
MAX_CELL = 32_000  # Excel refuses more than 32,767 characters in a cell
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # what openpyxl refuses to write


def cell_text(value: str | None) -> str:
    """Text an .xlsx cell can hold: control characters dropped, shortened to Excel's limit."""
    text = _ILLEGAL_XML.sub("", value or "")
    return text if len(text) <= MAX_CELL else text[:MAX_CELL - 1] + "…"
