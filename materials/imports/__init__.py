"""Bringing existing material into a book (Word documents, MkDocs projects): the conversion and its
report, as plain data.

The server turns the result into a change request and shows the report before
the import is confirmed; nothing here touches the library.
"""
from .docx import DocxImport, ImportedChapter, ImportedImage, import_docx
from .errors import DocxUnreadable, ImportInvalid, MkDocsInvalid
from .mkdocs import MkDocsImport, import_mkdocs, read_folder, read_zip
from .report import CARRIED, CHANGED, LOST, ImportReport, Place, ReportEntry

__all__ = ["CARRIED", "CHANGED", "LOST", "DocxImport", "DocxUnreadable", "ImportInvalid", "ImportReport",
           "ImportedChapter", "ImportedImage", "MkDocsImport", "MkDocsInvalid", "Place", "ReportEntry", "import_docx",
           "import_mkdocs", "read_folder", "read_zip"]
