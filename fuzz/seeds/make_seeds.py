#!/usr/bin/env python3
"""Builds the committed seed corpora fuzz/seeds/<target>/ from the
Erlang-produced terms in tests/data/terms.bin plus a few hand-made terms
in encodings OTP 25 no longer writes. Run from anywhere:

    python3 fuzz/seeds/make_seeds.py
"""
import hashlib, os, shutil, struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def read_terms():
    d = open(os.path.join(ROOT, "tests", "data", "terms.bin"), "rb").read()
    i, out = 0, []
    while i < len(d):
        (n,) = struct.unpack(">H", d[i:i + 2])
        name = d[i + 2:i + 2 + n].decode()
        i += 2 + n
        (l,) = struct.unpack(">I", d[i:i + 4])
        out.append((name, d[i + 4:i + 4 + l]))
        i += 4 + l
    return out


def atom(s):
    b = s.encode()
    return bytes([100, 0, len(b)]) + b

NODE = atom("a@b")
PID = bytes([88]) + NODE + bytes([0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3])
EXTRA = [
    ("PID_EXT", bytes([131, 103]) + NODE + bytes([0, 0, 0, 1, 0, 0, 0, 2, 3])),
    ("PORT_EXT", bytes([131, 102]) + NODE + bytes([0, 0, 0, 5, 1])),
    ("REFERENCE_EXT", bytes([131, 101]) + NODE + bytes([0, 0, 0, 9, 2])),
    ("NEW_REFERENCE_EXT", bytes([131, 114, 0, 2]) + NODE + bytes([1, 0, 0, 0, 1, 0, 0, 0, 2])),
    ("FUN_EXT", bytes([131, 117, 0, 0, 0, 1]) + PID + atom("m") + bytes([97, 1, 97, 2, 97, 7])),
    ("SMALL_ATOM_EXT", bytes([131, 115, 2]) + b"ok"),
    ("STRING_EXT empty", bytes([131, 107, 0, 0])),
    ("int list", bytes([131, 108, 0, 0, 0, 2, 97, 1, 97, 2, 106])),
    ("huge list header", bytes([131, 108, 255, 255, 255, 255, 106])),
    ("huge map header", bytes([131, 116, 255, 255, 255, 255, 97, 1])),
    ("too deep", bytes([131]) + bytes([104, 1]) * 1100 + bytes([106])),
    ("bits padding", bytes([131, 77, 0, 0, 0, 1, 3, 0xff])),
]

FORMATS = [
    b"ok", b"'Quoted atom'", b"\"a string\"", b"\"\"", b"42", b"-7", b"+3",
    b"1.5", b"-2.5e-3", b"{}", b"[]", b"{a, 1, \"s\"}", b"[1, 2, 3]",
    b"[a, b | c]", b"[a|[b]]", b"{a {b c} [d e]}", b"{~a, ~c, ~s}",
    b"[~i, ~l, ~u]", b"{~f, ~d}", b"~p", b"{~a,~s,~p,~i}", b"  {  x  ,y}  trailing",
    b"{'~a'}", b"\"~s inside\"", b"[~a|~a]", b"{~a ~i ~f ~p ~u ~c ~s ~l ~d}",
    b"[[[[[[[[[[ok]]]]]]]]]]", b"{{{{{{{{{{}}}}}}}}}}", b"abc_DEF@9",
    b"99999999999999999999999", b"1.0e400", b"{a,}", b"~x", b"[a|]",
]

# decoder_items: first byte = number of op bytes (mod 33), then ops, then the
# buffer. Op codes are documented in fuzz_targets/decoder_items.rs.
SKIP, TYPE, VERSION, TERM, PRINT = 20, 1, 0, 23, 22
ITEM_OPS = [
    [VERSION, TYPE, SKIP],
    [VERSION, TYPE, TERM],
    [VERSION, PRINT],
    [VERSION, 2, 3, 4, 6, 5],
    [VERSION, 8, 9, 7],
    [VERSION, 10, 11, 12, 21],
    [VERSION, 13, 2, 8, 8, 20],
    [VERSION, 14, 2, 2, 14],
    [VERSION, 15, 8, 2],
    [VERSION, 16, 17, 18, 19],
    [VERSION, 27 | 5 << 5, 20, 27, 0, 28 | 1 << 5, 25 | 3 << 5],
]


def write(target, name, data):
    d = os.path.join(HERE, target)
    os.makedirs(d, exist_ok=True)
    h = hashlib.sha1(data).hexdigest()[:16]
    safe = "".join(c if c.isalnum() else "_" for c in name)[:40]
    open(os.path.join(d, f"{safe}-{h}"), "wb").write(data)


def main():
    for t in ["decode_term", "skip", "print", "c_decode", "format", "decoder_items"]:
        shutil.rmtree(os.path.join(HERE, t), ignore_errors=True)
    terms = read_terms()
    # A few dozen: every other term, the extras, and the composite one.
    chosen = terms[::2] + [t for t in terms[1::2] if t[0].startswith(("fun", "ref", "port", "pid", "map", "all"))]
    chosen += EXTRA
    for name, data in chosen:
        for target in ["decode_term", "skip", "print", "c_decode"]:
            write(target, name, data)
    for f in FORMATS:
        write("format", "fmt", f)
    for i, (name, data) in enumerate(chosen[::2]):
        ops = ITEM_OPS[i % len(ITEM_OPS)]
        write("decoder_items", name, bytes([len(ops)] + ops) + data)


if __name__ == "__main__":
    main()
