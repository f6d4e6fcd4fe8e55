"""The ctypes structures have the sizes and field offsets of include/ei.h
(checked with the C compiler when the header and a compiler are there)."""

import ctypes
import shutil
import subprocess

import pytest
from conftest import REPO

from ei_rs import _lib as L

HEADER = REPO / "include" / "ei.h"

STRUCTS = {
    "erlang_pid": (L.erlang_pid, ["node", "num", "serial", "creation"]),
    "erlang_port": (L.erlang_port, ["node", "id", "creation"]),
    "erlang_ref": (L.erlang_ref, ["node", "len", "n", "creation"]),
    "erlang_trace": (L.erlang_trace, ["serial", "prev", "from", "label", "flags"]),
    "erlang_msg": (L.erlang_msg, ["msgtype", "from", "to", "toname", "cookie", "token"]),
    "erlang_big": (L.erlang_big, ["arity", "is_neg", "digits"]),
    "ei_x_buff": (L.ei_x_buff, ["buff", "buffsz", "index"]),
    "ei_cnode": (
        L.ei_cnode,
        ["thishostname", "thisnodename", "thisalivename", "ei_connect_cookie",
         "creation", "self", "cbs", "setup_context", "pidsn"],
    ),
    "ErlConnect": (L.ErlConnect, ["ipadr", "nodename"]),
}


def _py_field(name):
    return "from_" if name == "from" else name


@pytest.mark.skipif(not HEADER.exists(), reason="include/ei.h not in this tree")
@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")
def test_struct_layout_matches_ei_h(tmp_path):
    lines = ['#include <stddef.h>', '#include <stdio.h>', '#include "ei.h"', "int main(void) {"]
    for cname, (_, fields) in STRUCTS.items():
        lines.append(f'printf("{cname} size %zu\\n", sizeof({cname}));')
        for f in fields:
            lines.append(f'printf("{cname} {f} %zu\\n", offsetof({cname}, {f}));')
    lines += ["return 0; }"]
    src = tmp_path / "layout.c"
    src.write_text("\n".join(lines))
    exe = tmp_path / "layout"
    subprocess.run(["cc", "-I", str(HEADER.parent), str(src), "-o", str(exe)], check=True)
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    c = {tuple(line.split()[:2]): int(line.split()[2]) for line in out.splitlines()}
    for cname, (py, fields) in STRUCTS.items():
        assert ctypes.sizeof(py) == c[(cname, "size")], cname
        for f in fields:
            assert getattr(py, _py_field(f)).offset == c[(cname, f)], f"{cname}.{f}"
