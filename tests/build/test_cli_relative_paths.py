"""The site commands as an administrator types them: relative paths from the instance's parent."""
from __future__ import annotations

import json

from click.testing import CliRunner

from materials import Library
from server.sites.commands import release_command


def test_release_with_relative_paths_publishes_the_site(tmp_path, monkeypatch):
    Library.init(tmp_path / "instance" / "library.git", starter=True)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(release_command, ["locomotive-maintenance", "1.0", "--library", "instance/library.git",
                                                  "--sites", "instance/sites"])
    assert result.exit_code == 0, result.output
    versions = json.loads((tmp_path / "instance/sites/locomotive-maintenance/versions.json").read_text())
    assert [v["version"] for v in versions] == ["1.0"]
    assert (tmp_path / "instance/sites/locomotive-maintenance/1.0/index.html").exists()
