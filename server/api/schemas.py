"""JSON shapes shared by the API endpoints (registered as OpenAPI components)."""
from __future__ import annotations

from server.api.registry import schema
from server.accounts.models import SIDES
from server.jobs.models import JOB_STATUSES
from server.accounts.models import Role
from server.accounts.service import BOOK_PATTERN, USERNAME_PATTERN

ROLE = {"type": "string", "enum": [role.value for role in Role]}
SIDE = {"type": "string", "enum": list(SIDES)}
DATETIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}
USERNAME_PARAM = {"type": "string", "maxLength": 64}
BOOK_PARAM = {"type": "string", "pattern": BOOK_PATTERN}

ERROR = schema("Error", {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "details": {}},
    }},
})

MEMBERSHIP = schema("Membership", {
    "type": "object",
    "required": ["book", "role"],
    "properties": {"book": {"type": "string"}, "role": ROLE},
})

USER = schema("User", {
    "type": "object",
    "required": ["username", "display_name", "email", "side", "is_admin", "active", "created_at", "last_login_at",
                 "memberships"],
    "properties": {
        "username": {"type": "string"},
        "display_name": {"type": "string"},
        "email": {"type": ["string", "null"]},
        "side": {"type": "string"},
        "is_admin": {"type": "boolean"},
        "active": {"type": "boolean"},
        "created_at": {"type": "string", "format": "date-time"},
        "last_login_at": DATETIME_OR_NULL,
        "memberships": {"type": "array", "items": MEMBERSHIP},
    },
})

USER_LIST = schema("UserList", {
    "type": "object", "required": ["users"], "properties": {"users": {"type": "array", "items": USER}},
})

NEW_USER = schema("NewUser", {
    "type": "object",
    "required": ["username", "password"],
    "additionalProperties": False,
    "properties": {
        "username": {"type": "string", "pattern": USERNAME_PATTERN},
        "password": {"type": "string", "minLength": 10, "maxLength": 256},
        "display_name": {"type": "string", "minLength": 1, "maxLength": 120},
        "email": {"type": "string", "maxLength": 254},
        "side": SIDE,
        "is_admin": {"type": "boolean"},
    },
})

USER_CHANGES = schema("UserChanges", {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "display_name": {"type": "string", "minLength": 1, "maxLength": 120},
        "email": {"type": "string", "maxLength": 254},
        "side": SIDE,
        "is_admin": {"type": "boolean"},
        "active": {"type": "boolean"},
        "password": {"type": "string", "minLength": 10, "maxLength": 256},
    },
})

MEMBER = schema("Member", {
    "type": "object",
    "required": ["username", "display_name", "side", "role"],
    "properties": {"username": {"type": "string"}, "display_name": {"type": "string"}, "side": {"type": "string"},
                   "role": ROLE},
})

MEMBER_LIST = schema("MemberList", {
    "type": "object",
    "required": ["book", "members"],
    "properties": {"book": {"type": "string"}, "members": {"type": "array", "items": MEMBER}},
})

ROLE_CHANGE = schema("RoleChange", {
    "type": "object", "required": ["role"], "additionalProperties": False, "properties": {"role": ROLE},
})

TOKEN = schema("Token", {
    "type": "object",
    "required": ["id", "name", "hint", "created_at", "last_used_at"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "hint": {"type": "string"},
                   "created_at": {"type": "string", "format": "date-time"}, "last_used_at": DATETIME_OR_NULL},
})

TOKEN_LIST = schema("TokenList", {
    "type": "object", "required": ["tokens"], "properties": {"tokens": {"type": "array", "items": TOKEN}},
})

NEW_TOKEN_REQUEST = schema("NewTokenRequest", {
    "type": "object", "required": ["name"], "additionalProperties": False,
    "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 100}},
})

NEW_TOKEN = schema("NewToken", {
    "type": "object",
    "required": ["token", "secret"],
    "properties": {"token": TOKEN, "secret": {"type": "string", "description": "shown once; send as Bearer"}},
})

JOB = schema("Job", {
    "type": "object",
    "required": ["id", "kind", "status", "payload", "result", "log", "created_at", "started_at", "finished_at",
                 "duration"],
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string"},
        "status": {"type": "string", "enum": list(JOB_STATUSES)},
        "payload": {"type": "object"},
        "result": {"type": ["object", "null"]},
        "log": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "started_at": DATETIME_OR_NULL,
        "finished_at": DATETIME_OR_NULL,
        "duration": {"type": ["number", "null"]},
        "attempts": {"type": "integer", "description": "runs begun; a run whose worker stopped is tried again"},
    },
})

JOB_LIST = schema("JobList", {
    "type": "object", "required": ["jobs"], "properties": {"jobs": {"type": "array", "items": JOB}},
})
