"""Meetings of the field headquarters: work-group meetings, the coordination meeting, joint review."""
