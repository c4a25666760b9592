"""Commands other parts add to ``jointbook`` (``sites.py``: build and release, owned by the build part)."""
