"""Blueprint placeholder: being implemented (see the issue it belongs to)."""

from flask import Blueprint

bp = Blueprint("ui", __name__)
