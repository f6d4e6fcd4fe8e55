"""Values of every kind that encode() takes and decode() gives back."""

from ei_rs import Atom, BitString, Charlist, ImproperList, Pid, Port, Reference

VALUES = [
    0, 1, -1, 255, 256, -256, 2**31 - 1, -(2**31), 2**31, 2**63 - 1, -(2**63),
    2**63, 2**64 - 1, 2**64, -(2**64), 2**64 + 1, 10**100, -(10**100), 2**4000 + 12345,
    0.0, 1.5, -2.25, 1e300, 5e-324,
    True, False,
    Atom("ok"), Atom(""), Atom("héllo"), Atom("日本語"), Atom("🙂"), Atom("a" * 255), Atom("é" * 255),
    b"", b"\x00\xff bytes",
    (), (1,), (Atom("ok"), b"x", 2.5), tuple(range(300)),
    [], [1, 2, 3], [[], [[]]], list(range(1000)),
    Charlist("abc"), Charlist("héllo"), Charlist("日本"),
    {}, {Atom("a"): 1, b"k": [1, {2: 3}]}, {1: {2: {3: {4: {}}}}},
    ImproperList([1, 2], Atom("tail")), ImproperList([1], b"x"),
    BitString(b"\xa0", 3), BitString(b"\xff\xe0", 11),
    Pid("node@host", 1, 2, 3), Pid("日本@host", 2**32 - 1, 2**32 - 1, 2**32 - 1),
    Reference("n@h", (1, 2, 3), 7), Reference("n@h", (1,), 0), Reference("n@h", (1, 2, 3, 4, 5), 4),
    Port("n@h", 5, 1), Port("n@h", 2**40, 9), Port("n@h", 2**64 - 1, 9),
]
