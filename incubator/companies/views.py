"""Placeholder blueprint; replaced by the module's pages."""
from flask import Blueprint

from ..core.permissions import roles_required
from ..core.roles import STAFF_READERS

bp = Blueprint("companies", __name__, url_prefix="/companies")


@bp.get("/")
@roles_required(*STAFF_READERS)
def index():
    return "todo"


@bp.get("/mine")
def mine():
    return "todo"
