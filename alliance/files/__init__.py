"""Uploaded files: checked by content, stored outside the web root, served by their rule."""

from flask import Blueprint

bp = Blueprint("files", __name__, url_prefix="/files")
