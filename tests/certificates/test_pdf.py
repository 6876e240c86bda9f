"""The PDF renderer: CJK text, no local files or network, bounded time, fast font subsetting."""
import http.server
import io
import threading

import pytest
from jinja2 import ChoiceLoader, DictLoader
from pypdf import PdfReader

from incubator.certificates import pdf
from incubator.certificates.qr import qr_data_uri

from .conftest import pdf_text

DOC = {"number": "SX-DA-2026-00001", "title": "测试文件", "issued_on": "2026年11月22日",
       "verify_url": "http://localhost/verify/x", "qr": qr_data_uri("http://localhost/verify/x"), "valid_until": None}


@pytest.fixture
def templates(app, monkeypatch):
    """Register extra templates under pdf/ for one test."""
    def _add(**sources):
        loader = ChoiceLoader([DictLoader({f"pdf/{k}": v for k, v in sources.items()}), app.jinja_env.loader])
        monkeypatch.setattr(app.jinja_env, "loader", loader)
    return _add


@pytest.fixture
def probe_server():
    """A local HTTP server that records every request it receives."""
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()


HOSTILE = """{% extends "pdf/_base.html" %}{% block body %}
<p>正文内容</p>
<link rel="attachment" href="file:///etc/passwd">
<a rel="attachment" href="/etc/passwd">附件</a>
<link rel="stylesheet" href="{{ base }}/evil.css">
<img src="{{ base }}/tracker.png">
<img src="file:///etc/passwd">
<object data="file:///etc/hostname" type="text/plain"></object>
<div style="background: url('{{ base }}/bg.png')"></div>
{% endblock %}"""


def test_harfbuzz_subset_is_available():
    """Without libharfbuzz-subset WeasyPrint subsets fonts in Python: ~40× slower (PERFORMANCE.md)."""
    assert pdf.harfbuzz_subset_available()


def test_fetcher_refuses_local_files_and_network(app, templates, probe_server):
    base, hits = probe_server
    templates(**{"hostile.html": HOSTILE})
    with app.app_context():
        data = pdf.render_pdf("hostile.html", {"doc": DOC, "base": base})
    reader = PdfReader(io.BytesIO(data))
    assert "正文内容" in pdf_text(data)
    assert b"root:" not in data and not reader.attachments
    assert hits == []


def test_the_hostile_template_would_leak_without_the_fetcher(app, templates):
    """Control: WeasyPrint's default fetcher really does embed /etc/passwd, so the test above means something."""
    import weasyprint
    templates(**{"hostile2.html": HOSTILE})
    with app.app_context():
        html = pdf.render_html("hostile2.html", {"doc": DOC, "base": "http://127.0.0.1:9"})
    data = weasyprint.HTML(string=html).write_pdf()
    assert "passwd" in PdfReader(io.BytesIO(data)).attachments


def test_fetcher_serves_only_our_static_files(app):
    fetcher = pdf._fetcher_class()(app.static_folder)
    css = fetcher.fetch(pdf.STATIC_BASE + "static/css/app.css")
    assert b"Noto Sans CJK SC" in css.read() and css.content_type == "text/css"
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"
    for url in (pdf.STATIC_BASE + "static/../../../etc/passwd", pdf.STATIC_BASE + "static/%2e%2e/%2e%2e/etc/passwd",
                pdf.STATIC_BASE + "etc/passwd", "file:///etc/passwd", "https://example.com/static/css/app.css",
                "ftp://example.com/x"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_markup_and_template_syntax_in_data_stay_literal(app):
    company = {"name": "<b>粗体</b>{{ 7*7 }}", "credit_code": "x", "status": "tenant", "headcount": 0,
               "talents_bachelor": 0, "talents_high_level": 0, "ip": [0, 0, 0, 0]}
    with app.app_context():
        text = pdf_text(pdf.render_pdf("company_dossier.html", {"doc": DOC, "company": company, "qualifications": [],
                                                                 "leases": [], "documents": []}))
    assert "<b>粗体</b>{{ 7*7 }}" in text


def test_render_time_is_bounded(app, monkeypatch, templates):
    templates(**{"long.html": '{% extends "pdf/_base.html" %}{% block body %}<table>'
                              '{% for i in range(300) %}<tr><td>第{{ i }}行</td><td>内容</td></tr>{% endfor %}'
                              '</table>{% endblock %}'})
    monkeypatch.setitem(app.config, "PDF_TIMEOUT_SECONDS", 0.05)
    with app.app_context():
        with pytest.raises(pdf.PdfRenderError):
            pdf.render_pdf("long.html", {"doc": DOC})
        monkeypatch.setitem(app.config, "PDF_TIMEOUT_SECONDS", 60)
        assert "第299行" in pdf_text(pdf.render_pdf("long.html", {"doc": DOC}))  # the renderer still works


def test_qr_is_an_svg_data_uri():
    uri = qr_data_uri("http://localhost/verify/abc")
    assert uri.startswith("data:image/svg+xml")
