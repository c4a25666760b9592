"""A liveness probe for nginx, systemd and the start-up smoke test."""


from __future__ import annotations
from flask import Blueprint, jsonify
from sqlalchemy import text
from server.database import db
from server.permissions import public


blueprint = Blueprint("health", __name__)


@blueprint.route("/healthz")
@public
def healthz():
    db().execute(text("SELECT 1"))
    return jsonify(status="ok")
