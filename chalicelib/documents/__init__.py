"""Printable documents: one ReportLab renderer per document (``render(view) -> bytes``),
fed the plain views of ``views.py`` that chalicelib/services/documents.py builds.

Importing this package imports no ReportLab; ``views`` and ``text`` are pure Python.
"""
