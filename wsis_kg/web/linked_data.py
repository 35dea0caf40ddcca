"""Blueprint placeholder: being implemented (see the issue it belongs to)."""

from flask import Blueprint

bp = Blueprint("linked_data", __name__)
