"""Bringing existing material into a book (Word documents): upload, report, change request."""
