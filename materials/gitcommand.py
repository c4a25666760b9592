"""Every git command the library runs: built here and run here, isolated.

The platform parses what git prints (diffs, logs, blame, merges), so git must
print the same bytes whichever account runs the server. Every call therefore
gets an environment built from scratch: no system or global configuration
(``GIT_CONFIG_NOSYSTEM``, ``GIT_CONFIG_GLOBAL=/dev/null``), a ``HOME`` and XDG
folder of its own that stay empty, the C locale, no prompts, no repository
discovered around the process, and none of the caller's ``GIT_*`` variables.
Every call has a time limit; a git that overruns is killed with its children
and ``GitTimeout`` raised. Values that come from people or from the library's
data go through ``GitCommand.value``/``paths``, which refuse anything git could
read as an option, as Gitea's command builder does (``modules/git/gitcmd``).

Written by hand because nothing maintained does this for Python: GitPython
runs git with the caller's environment and configuration.
"""
from __future__ import annotations

import atexit
import os
import signal
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from .errors import GitTimeout, MaterialsError, OptionLikeArgument

DEFAULT_TIMEOUT = 60.0  # seconds; a whole-library log or a repack stays well inside it


class GitCommand:
    """One git command line: options the library writes, then values from outside.

    ``option`` takes arguments written in this package (literals, or numbers it
    formatted itself). ``value`` takes revisions and names from people or from
    the library's data, and ``paths`` takes paths after ``--``: both refuse a
    value that starts with ``-`` or holds a NUL, so no value ever becomes an option.
    """

    def __init__(self, subcommand: str, *options: str):
        self.subcommand = subcommand
        self._config: list[str] = []
        self._args: list[str] = list(options)
        self._dashes = False

    def config(self, key: str, value: str) -> "GitCommand":
        """A ``-c key=value`` for this call only (fixed settings where output is parsed)."""
        self._config += ["-c", f"{key}={value}"]
        return self

    def option(self, *options: str) -> "GitCommand":
        self._args += options
        return self

    def value(self, *values: str) -> "GitCommand":
        self._args += [_checked(v) for v in values]
        return self

    def paths(self, *paths: str) -> "GitCommand":
        """``--`` and then ``paths`` (which may be none: ``--`` alone ends the revisions)."""
        if not self._dashes:
            self._args.append("--")
            self._dashes = True
        self._args += [_checked(p) for p in paths]
        return self

    def argv(self, git_dir: Path | str | None = None) -> list[str]:
        where = ["--git-dir", os.path.abspath(git_dir)] if git_dir is not None else []  # git runs elsewhere
        return ["git", *where, *self._config, self.subcommand, *self._args]

    def __repr__(self) -> str:
        return f"GitCommand({' '.join(self.argv()[1:])!r})"


def _checked(value: str) -> str:
    if not isinstance(value, str) or value.startswith("-") or "\0" in value:
        raise OptionLikeArgument(f"{value!r} cannot be given to git", value=str(value)[:100])
    return value


@dataclass(frozen=True)
class GitResult:
    returncode: int
    stdout: bytes
    stderr: bytes


_home_lock = threading.Lock()
_home: str | None = None


def _empty_home() -> str:
    """A folder this process made and keeps empty: git's HOME and XDG_CONFIG_HOME."""
    global _home
    with _home_lock:
        if _home is None or not os.path.isdir(_home):
            _home = tempfile.mkdtemp(prefix="jointbook-git-home-")
            os.chmod(_home, 0o500)  # nothing can be written into it, not even by git
            atexit.register(_remove_home, _home, os.getpid())
        return _home


def _remove_home(path: str, owner: int) -> None:
    if os.getpid() == owner:  # a forked worker leaves its parent's folder alone
        try:
            os.rmdir(path)
        except OSError:
            pass


def isolated_environment() -> dict[str, str]:
    """The whole environment of every git the library starts (nothing inherited but ``PATH``)."""
    home = _empty_home()
    return {
        "PATH": os.environ.get("PATH") or os.defpath,
        "HOME": home,
        "XDG_CONFIG_HOME": home,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_SYSTEM": os.devnull,
        "GIT_ATTR_NOSYSTEM": "1",
        "GIT_NO_REPLACE_OBJECTS": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_CEILING_DIRECTORIES": os.path.dirname(home),  # commands without a library find no repository
        "LC_ALL": "C",
        "LANGUAGE": "C",
    }


def run_git(command: GitCommand, *, git_dir: Path | str | None = None, input: bytes | None = None,
            check: bool = True, timeout: float | None = None,
            objects: tuple[Path | str, ...] | None = None) -> GitResult:
    """Run ``command`` isolated, on ``git_dir`` when given; ``MaterialsError`` when git fails
    (with ``check``), ``GitTimeout`` when it runs longer than ``timeout`` seconds.

    ``objects``: the object folders git reads instead of the repository's own, the first one
    written (a push still in quarantine: its folder, then the repository's objects)."""
    limit = DEFAULT_TIMEOUT if timeout is None else timeout
    env = isolated_environment()
    if objects:
        env["GIT_OBJECT_DIRECTORY"] = os.path.abspath(objects[0])
        env["GIT_ALTERNATE_OBJECT_DIRECTORIES"] = os.pathsep.join(os.path.abspath(o) for o in objects[1:])
    process = subprocess.Popen(command.argv(git_dir), cwd=env["HOME"], env=env, start_new_session=True,
                               stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        stdout, stderr = process.communicate(input, timeout=limit)
    except subprocess.TimeoutExpired:
        _kill(process)
        raise GitTimeout(f"git {command.subcommand} took longer than {limit:g} s", command=command.subcommand,
                         seconds=f"{limit:g}") from None
    except BaseException:
        _kill(process)
        raise
    if check and process.returncode != 0:
        raise MaterialsError(stderr.decode(errors="replace").strip(), command=command.subcommand)
    return GitResult(process.returncode, stdout, stderr)


def _kill(process: subprocess.Popen) -> None:
    """Kill git and whatever it started (a repack's pack-objects), then reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.communicate()
