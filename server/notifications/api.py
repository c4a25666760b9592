"""Notifications over JSON: what the bell shows, and marking it read."""


from __future__ import annotations
from typing import Any
from flask_login import current_user
from server.notifications import service as notes
from server.api.registry import endpoint, schema
from server.permissions import signed_in


NOTIFICATION = schema("Notification", {
    "type": "object", "required": ["id", "kind", "url", "text", "created_at", "read"],
    "properties": {"id": {"type": "integer"}, "kind": {"type": "string"}, "url": {"type": "string"},
                   "text": {"type": "string"}, "text_code": {"type": "string"}, "params": {"type": "object"},
                   "created_at": {"type": "string"}, "read": {"type": "boolean"}},
})
NOTIFICATION_LIST = schema("NotificationList", {
    "type": "object", "required": ["notifications", "unread"],
    "properties": {"notifications": {"type": "array", "items": NOTIFICATION}, "unread": {"type": "integer"}},
})
MARK_READ = schema("MarkRead", {
    "type": "object", "additionalProperties": False,
    "properties": {"ids": {"type": "array", "items": {"type": "integer"}, "maxItems": 1000}},
})
MARKED = schema("Marked", {"type": "object", "required": ["marked", "unread"],
                           "properties": {"marked": {"type": "integer"}, "unread": {"type": "integer"}}})


@endpoint("GET", "/notifications", summary="My notifications, newest first, and how many are unread",
          query={"unread": {"type": "boolean", "default": False}}, response=NOTIFICATION_LIST,
          tags=["notifications"])
@signed_in
def list_notifications(unread: bool) -> dict[str, Any]:
    rows = notes.notifications_of(current_user, unread_only=unread)
    return {"notifications": [notes.notification_json(r) for r in rows], "unread": notes.unread_count(current_user)}


@endpoint("POST", "/notifications/read", summary="Mark notifications read (all when no ids are given)",
          body=MARK_READ, response=MARKED, tags=["notifications"])
@signed_in
def mark_notifications_read(body: dict[str, Any]) -> dict[str, Any]:
    marked = notes.mark_read(current_user, body.get("ids"))
    return {"marked": marked, "unread": notes.unread_count(current_user)}
