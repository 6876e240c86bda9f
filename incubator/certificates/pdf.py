"""The one PDF renderer: a Jinja template under templates/pdf/ → WeasyPrint.

Rendering is locked down: resources come only from the app's own static folder or
data: URIs (WeasyPrint would otherwise read file:// and fetch any URL), render time is
bounded, and one FontConfiguration serves the whole process (see PERFORMANCE.md).
"""
from __future__ import annotations

import ctypes.util
import mimetypes
import signal
import threading
from contextlib import contextmanager
from functools import cache
from urllib.parse import unquote, urlsplit

from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import safe_join

from ..core.errors import DomainError

# Relative URLs such as /static/css/x.css resolve against this base; the .invalid TLD
# can never be a real host, so nothing under it is ever fetched from the network.
STATIC_BASE = "https://app.invalid/"

_font_config = None
_render_lock = threading.Lock()  # WeasyPrint objects are not thread-safe


class PdfRenderError(DomainError):
    status_code = 503


class _RenderTimeout(BaseException):
    """BaseException so WeasyPrint's `except Exception` blocks cannot swallow it."""


def harfbuzz_subset_available() -> bool:
    """Whether libharfbuzz-subset is installed; without it fonts are subset in Python, ~40× slower."""
    return ctypes.util.find_library("harfbuzz-subset") is not None


@cache
def _fetcher_class():
    """Built on first use: importing WeasyPrint takes most of a second, so not at app start."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        def __init__(self, static_folder: str):
            super().__init__(allowed_protocols=("data",))
            self.static_folder = static_folder

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            parts = urlsplit(url)
            if f"{parts.scheme}://{parts.netloc}/" == STATIC_BASE and parts.path.startswith("/static/"):
                path = safe_join(self.static_folder, unquote(parts.path.removeprefix("/static/")))
                if path:
                    with open(path, "rb") as fh:
                        body = fh.read()
                    mime = mimetypes.guess_type(path)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, body, {"Content-Type": mime})
            raise ValueError(f"refused to fetch {url[:100]}")

    return StaticOnlyFetcher


def _weasy():
    global _font_config
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    if _font_config is None:
        _font_config = FontConfiguration()
    return weasyprint, _font_config


def render_html(template_name: str, context: dict) -> str:
    template = current_app.jinja_env.get_template(f"pdf/{template_name}")
    return template.render(community_name=current_app.config["COMMUNITY_NAME"], **context)


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render templates/pdf/<template_name> with plain-data `context` to PDF bytes."""
    html = render_html(template_name, context)
    timeout = float(current_app.config["PDF_TIMEOUT_SECONDS"])
    fetcher = _fetcher_class()(current_app.static_folder)
    with _render_lock, _time_limit(timeout):
        weasyprint, font_config = _weasy()
        return weasyprint.HTML(string=html, base_url=STATIC_BASE, url_fetcher=fetcher).write_pdf(
            font_config=font_config)


def _expire(_signum, _frame):
    raise _RenderTimeout


@contextmanager
def _time_limit(seconds: float):
    """SIGALRM-based limit; signals only work in the main thread, elsewhere it is skipped."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGALRM, _expire)
    # keeps firing every 50 ms after the limit: a raise that lands in a __del__ (garbage
    # collection of WeasyPrint objects) is swallowed by Python, the next one stops the render
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.05)
    try:
        yield
    except _RenderTimeout:
        current_app.logger.warning("PDF rendering stopped after %s s", seconds)
        raise PdfRenderError(_("The PDF took too long to produce. Please try again later.")) from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
