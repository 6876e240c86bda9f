"""Placeholder blueprint; replaced by the documents pages (keep endpoint names and URLs)."""
from flask import Blueprint, abort
from flask_login import login_required

bp = Blueprint("documents", __name__, url_prefix="/documents")


@bp.get("/company/<int:company_id>")
@login_required
def company_documents(company_id: int):
    abort(501)
