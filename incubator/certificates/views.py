"""Placeholder blueprint; replaced by the PDF platform's pages (keep endpoint names and URLs)."""
from flask import Blueprint, abort
from flask_login import login_required

from ..core.permissions import roles_required
from ..core.roles import STAFF_READERS

bp = Blueprint("certificates", __name__)


@bp.get("/certificates/")
@roles_required(*STAFF_READERS)
def index():
    return "todo"


@bp.get("/certificates/dossier/<int:company_id>")
@login_required
def company_dossier(company_id: int):
    abort(501)


@bp.get("/verify/<code>")
def verify(code: str):
    abort(404)
