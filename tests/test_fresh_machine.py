"""The README's commands on a machine that has nothing but Python: a new virtual environment each time.

The commands are read from README.md's "Start" section, so the README, these
tests and ``.ci/run`` cannot drift apart. Installing reaches the package
registry (pip may reuse its cache); each of those tests takes a minute or more.
"""
from __future__ import annotations

import ast
import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import time
import tomllib
import urllib.parse
import urllib.request
import zipfile
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
DEMO_ACCOUNT = re.compile(r"^\s+admin\s+(\S+)\s", re.MULTILINE)
SERVING_ON = re.compile(r"Serving on (http://\S+?)/ ")

def readme_commands() -> list[str]:
    """The shell commands of README.md's "Start" section, in order: install and start, then test."""
    text = (ROOT / "README.md").read_text("utf-8")
    start = text.split("\n## Start\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^```sh\n(.+?)\n```$", start, re.MULTILINE | re.DOTALL)


def fresh_venv(where: Path) -> dict[str, str]:
    """A brand-new virtual environment and the environment of a shell that activated it.

    The running interpreter's own environment is taken off ``PATH``, so a command or module
    missing from the new one cannot be found in the old one.
    """
    venv = where / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    outer = {str(Path(sys.prefix) / "bin"), os.environ.get("VIRTUAL_ENV", "") + "/bin"}
    path = [str(venv / "bin"), *(p for p in os.environ["PATH"].split(os.pathsep) if p not in outer)]
    env = {key: value for key, value in os.environ.items() if key not in {"PYTHONPATH", "PYTHONHOME"}}
    env.update(VIRTUAL_ENV=str(venv), PATH=os.pathsep.join(path), PIP_DISABLE_PIP_VERSION_CHECK="1",
               PYTHONUNBUFFERED="1")
    env.pop("DATABASE_URL", None)
    return env


def shell(command: str, env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    assert done.returncode == 0, f"{command!r} failed:\n{done.stdout[-6000:]}"
    return done.stdout


class RunningServer:
    """``jointbook … serve`` started on a free port; its address and the demo admin's password."""

    def __init__(self, command: str, env: dict[str, str], cwd: Path) -> None:
        self.process = subprocess.Popen(["bash", "-c", f"exec {command} --port 0"], cwd=cwd, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True)
        self.output = ""
        deadline = time.monotonic() + 120  # a bound on the wait, not a speed requirement
        while not SERVING_ON.search(self.output) and time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line and self.process.poll() is not None:
                break
            self.output += line
        found = SERVING_ON.search(self.output)
        assert found, f"{command!r} did not start:\n{self.output[-6000:]}"
        self.url = found.group(1)
        self.admin_password = DEMO_ACCOUNT.search(self.output).group(1)

    def wait_until_healthy(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as response:
                    assert response.status == 200 and b'"ok"' in response.read()
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self) -> int:
        """SIGTERM, as systemd sends it; the exit code of a clean stop is 0."""
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(90)  # a bound: running jobs get JOB_SHUTDOWN_SECONDS (30) to finish
        self.output += self.process.stdout.read()
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process.stdout.close()


def sign_in_and_open_home(url: str, password: str) -> str:
    """The home page as the demo administrator sees it, signed in through the login form."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with opener.open(f"{url}/", timeout=10) as response:  # anonymous: redirected to the login form
        login_page = response.read().decode()
        assert response.url.startswith(f"{url}/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
    form = urllib.parse.urlencode({"csrf_token": token, "username": "admin", "password": password}).encode()
    with opener.open(f"{url}/login", data=form, timeout=10) as response:
        assert response.status == 200
    with opener.open(f"{url}/", timeout=10) as response:
        assert response.url == f"{url}/" and response.status == 200
        home = response.read().decode()
    stylesheet = re.search(r'<link[^>]+href="(/static/[^"]+\.css)', home).group(1)
    with opener.open(f"{url}{stylesheet}", timeout=10) as response:
        assert response.status == 200 and response.read()
    return home


def imported_packages(folder: str) -> set[str]:
    """Top-level names of the third-party modules imported anywhere under ``folder``, in functions too."""
    ours = {"server", "materials", "review", "build", "tests", "benchmarks"} | {p.stem for p in ROOT.glob("*/**/*.py")}
    found: set[str] = set()
    for path in (ROOT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {name for name in found if name not in sys.stdlib_module_names and name not in ours}


def test_every_imported_package_is_declared_in_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]

    def names(requirements: list[str]) -> set[str]:
        return {canonicalize_name(Requirement(r).name) for r in requirements}

    runtime = names(project["dependencies"])
    extras = {extra: names(requirements) for extra, requirements in project["optional-dependencies"].items()}
    installed = packages_distributions()
    allowed = {"server": runtime, "materials": runtime, "review": runtime, "build": runtime,
               "tests": runtime | extras["test"], "benchmarks": runtime | set().union(*extras.values())}
    for folder, declared in allowed.items():
        for module in imported_packages(folder):
            distributions = {canonicalize_name(d) for d in installed.get(module, [module])}
            assert distributions & declared, f"{folder}/ imports {module} ({', '.join(distributions)}): not declared"


def test_readme_commands_are_the_ones_ci_runs():
    install_and_start, run_tests = readme_commands()
    install, start = install_and_start.split(" && ")
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert f"{install} && answers_healthz_then_stops {start}" in ci
    assert run_tests in ci


@pytest.mark.slow
def test_readme_first_command_installs_and_starts_in_a_fresh_virtual_environment(tmp_path):
    install_and_start, _ = readme_commands()
    install, start = install_and_start.split(" && ")
    env = fresh_venv(tmp_path)
    env["JOINTBOOK_INSTANCE"] = str(tmp_path / "instance")
    shell(install, env, ROOT)
    shell("python3 -m pip check", env, ROOT)
    server = RunningServer(start, env, ROOT)
    try:
        server.wait_until_healthy()
        assert server.stop() == 0, server.output
    finally:
        server.kill()
    assert (tmp_path / "instance" / "library.git").is_dir()


@pytest.mark.slow
def test_wheel_installs_into_a_fresh_virtual_environment_and_serves_its_pages(tmp_path):
    env = fresh_venv(tmp_path)
    shell(f"python3 -m pip wheel --no-deps --wheel-dir {tmp_path / 'dist'} {ROOT}", env, tmp_path)
    (wheel,) = (tmp_path / "dist").glob("jointbook-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in ("templates/ui/base.html", "templates/site/main.html", "server/static/favicon.svg",
                     "server/translations/zh_CN/LC_MESSAGES/messages.po", "server/migrations/script.py.mako",
                     "materials/starter/authors.yml"):
        assert expected in names, f"{expected} is not in {wheel.name}"
    shell(f"python3 -m pip install {wheel}", env, tmp_path)
    shell("python3 -m pip check", env, tmp_path)
    installed = shell("python3 -c 'import server; print(server.__file__)'", env, tmp_path)
    assert installed.startswith(str(tmp_path / "venv")), installed  # the wheel, not this checkout

    server = RunningServer(f"jointbook --instance {tmp_path / 'instance'} serve", env, tmp_path)
    try:
        server.wait_until_healthy()
        home = sign_in_and_open_home(server.url, server.admin_password)
        assert "欢迎，" in home  # the home page's template, in the default (Chinese) interface
        assert server.stop() == 0, server.output
    finally:
        server.kill()
    # The published sites' theme (templates/site) comes from the wheel too.
    shell(f"jointbook --instance {tmp_path / 'instance'} build locomotive-maintenance", env, tmp_path)
    assert (tmp_path / "instance" / "sites" / ".drafts" / "locomotive-maintenance" / "index.html").is_file()
