"""Spreadsheet imports of stakeholders and contacts: upload, columns, preview, apply, undo."""
