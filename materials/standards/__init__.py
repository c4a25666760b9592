"""Qualification standards: one YAML file per standard edition.

A standard is what a book is aligned to: a Chinese National Occupational
Skill Standard (职业功能 → 工作内容 → 技能要求 / 相关知识要求, per level,
with weight tables), a 1+X skill-level standard, an Australian unit of
competency, an ESCO skill set... all carried by one model (``standard``):
ordered levels, kinds of item, a tree of items, and weight tables.

The file is read with YAML's safe constructors only (``reading``), every
node is checked against a strict schema (``validation``, ``errors``), and
every error names the file and the line, so a teacher can fix the file
without reading Python. ``writing`` dumps a standard back to the same YAML;
``case`` and ``spreadsheet`` exchange it as 1EdTech CASE and as CSV (a CASE
package's own fields are kept in the standard's ``case`` fields and its
associations); ``report`` is the dry run of an import: every problem at its
place, and what would be created, changed or left alone.
Chapters name items through ``item_refs``; ``editions`` says which edition
supersedes which and where a chapter's items move; ``crosswalk`` says which
items of one standard match which items of another (书证融通).
"""
