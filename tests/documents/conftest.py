from __future__ import annotations

import io
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage


@pytest.fixture
def upload_file():
    def _make(data: bytes, name: str = "营业执照.pdf") -> FileStorage:
        return FileStorage(stream=io.BytesIO(data), filename=name)
    return _make


@pytest.fixture
def stored_files(app):
    """The set of files currently under UPLOAD_DIR (to spot orphans)."""
    root = Path(app.config["UPLOAD_DIR"])

    def _list() -> set[Path]:
        return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()
    return _list


@pytest.fixture(autouse=True)
def _in_english(request):
    if "committed_db" not in request.fixturenames:  # concurrency tests run without the test client
        request.getfixturevalue("english")
