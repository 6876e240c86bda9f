"""Shared building blocks: labelled enums, errors, permissions, the workflow helper,
money/date formatting, working days, pagination and the task inbox registry."""
