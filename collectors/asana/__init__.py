"""Asana collector: open, overdue, completed and created tasks per project."""
