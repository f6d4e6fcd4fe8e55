"""Terms through a real Erlang node: what Erlang makes of what Python
encodes, and what Python makes of what Erlang encodes."""

import pytest
from samples import VALUES

from ei_rs import (
    Atom,
    BitString,
    Charlist,
    FrozenList,
    FrozenMap,
    ImproperList,
    MessageType,
    OpaqueTerm,
    Pid,
    Port,
    Reference,
    decode,
    encode,
)

ids = lambda v: repr(v)[:40]  # noqa: E731


def erlang_text(conn, value):
    """How the Erlang node writes ``value`` (io_lib:format("~tw"))."""
    return conn.rpc("ei_rs_echo", "format", [value], timeout=10).decode("utf-8")


@pytest.mark.parametrize(
    "value, text",
    [
        ((Atom("ok"), 1), "{ok,1}"),
        (Atom("héllo"), "héllo"),
        (Atom("Quoted atom"), "'Quoted atom'"),
        (-1, "-1"),
        (2**31, "2147483648"),
        (2**64 - 1, "18446744073709551615"),
        (-(2**64), "-18446744073709551616"),
        (2**100 + 1, "1267650600228229401496703205377"),
        (-(10**40), "-10000000000000000000000000000000000000000"),
        (1.5, "1.5"),
        (-2.25, "-2.25"),
        (True, "true"),
        ("héllo", "<<104,195,169,108,108,111>>"),
        (b"", "<<>>"),
        (b"\x00\xff", "<<0,255>>"),
        (Charlist("héllo"), "[104,233,108,108,111]"),
        ([1, [2, []]], "[1,[2,[]]]"),
        (ImproperList([1, 2], Atom("t")), "[1,2|t]"),
        ((), "{}"),
        ({Atom("a"): {b"k": [1]}}, "#{a => #{<<107>> => [1]}}"),
        (BitString(b"\xa0", 3), "<<5:3>>"),
    ],
    ids=ids,
)
def test_erlang_reads_what_python_encodes(conn, value, text):
    assert erlang_text(conn, value) == text


@pytest.mark.parametrize("name", ["héllo", "日本語", "🙂", "a" * 255, "日" * 255, ""])
def test_unicode_atoms(conn, name):
    assert conn.rpc("erlang", "atom_to_binary", [Atom(name), Atom("utf8")]) == name.encode()
    assert conn.rpc("erlang", "binary_to_atom", [name.encode(), Atom("utf8")]) == Atom(name)


@pytest.mark.parametrize(
    "n", [2**63, 2**64, -(2**63) - 1, 3**200, -(7**300), 2**8000 + 1], ids=lambda n: f"{n}"[:20]
)
def test_big_integers(conn, n):
    # Erlang computes with the number it received, and prints it.
    assert conn.rpc("erlang", "*", [n, 3]) == n * 3
    assert Charlist(conn.rpc("erlang", "integer_to_list", [n])).text == str(n)
    assert conn.rpc("erlang", "list_to_integer", [Charlist(str(n))]) == n


@pytest.mark.parametrize("value", VALUES, ids=ids)
def test_echo(conn, node, value):
    conn.send("ei_rs_echo", (Atom("echo"), node.pid, value), timeout=10)
    msg = conn.receive(timeout=10)
    assert msg.type == MessageType.SEND
    assert msg.recipient == node.pid
    tag, echo_pid, back = msg.payload
    assert tag == Atom("echo")
    assert back == value


@pytest.mark.parametrize("value", VALUES, ids=ids)
def test_term_to_binary(conn, value):
    data = conn.rpc("erlang", "term_to_binary", [value], timeout=10)
    assert decode(data) == value


@pytest.mark.parametrize("value", VALUES, ids=ids)
def test_binary_to_term(conn, value):
    assert conn.rpc("erlang", "binary_to_term", [encode(value)], timeout=10) == value


# Terms written in Erlang, and the Python values they should decode to.
ERLANG_TERMS = [
    ("[1,2|3]", ImproperList([1, 2], 3)),
    ("[a|<<\"b\">>]", ImproperList([Atom("a")], b"b")),
    ("#{a => [<<\"x\">>], {1,2} => #{}}", {Atom("a"): [b"x"], (1, 2): {}}),
    ("#{k => #{k => #{k => #{}}}}", {Atom("k"): {Atom("k"): {Atom("k"): {}}}}),
    ("#{[1] => a, \"ab\" => b, #{} => c}",
     {FrozenList([1]): Atom("a"), FrozenList([97, 98]): Atom("b"), FrozenMap(): Atom("c")}),
    ("<<1:3>>", BitString(b"\x20", 3)),
    ("<<\"héllo\"/utf8>>", "héllo".encode()),
    ("1 bsl 200", 2**200),
    ("-(1 bsl 64)", -(2**64)),
    ("(1 bsl 64) - 1", 2**64 - 1),
    ("-(1 bsl 63)", -(2**63)),
    ("'日本'", Atom("日本")),
    ("list_to_atom(lists:duplicate(255, $é))", Atom("é" * 255)),
    ("\"héllo\"", Charlist("héllo")),
    ("[1000, 2000]", [1000, 2000]),
    ("3.25", 3.25),
    ("{}", ()),
    ("[]", []),
    ("true", True),
    ("undefined", Atom("undefined")),
    ("{a, [b, {c, #{d => [e]}}]}", (Atom("a"), [Atom("b"), (Atom("c"), {Atom("d"): [Atom("e")]})])),
]


@pytest.mark.parametrize("src, expected", ERLANG_TERMS, ids=[s for s, _ in ERLANG_TERMS])
def test_decode_erlang_terms(conn, src, expected):
    assert decode(conn.rpc("ei_rs_echo", "eval_ttb", [src], timeout=10)) == expected
    # The same term as it comes over the connection.
    assert conn.rpc("ei_rs_echo", "eval", [src], timeout=10) == expected


def test_long_values(conn):
    assert conn.rpc("erlang", "length", [Charlist("é" * 70000)]) == 70000
    assert conn.rpc("erlang", "byte_size", [b"x" * 1_000_000]) == 1_000_000
    assert conn.rpc("binary", "copy", [b"ab", 500_000]) == b"ab" * 500_000
    assert conn.rpc("lists", "seq", [1, 100_000]) == list(range(1, 100_001))


def test_charlist_decodes_as_charlist(conn):
    value = decode(conn.rpc("ei_rs_echo", "eval_ttb", ["\"héllo\""]))
    assert isinstance(value, Charlist)
    assert value.text == "héllo"


def test_pids_ports_refs_from_erlang(conn, erlang):
    made = conn.rpc(
        "ei_rs_echo", "eval", ["ei_rs_echo:stash({whereis(ei_rs_echo), hd(erlang:ports()), make_ref()})"]
    )
    pid, port, ref = made
    assert isinstance(pid, Pid) and pid.node == erlang.name
    assert isinstance(port, Port) and port.node == erlang.name
    assert isinstance(ref, Reference) and ref.node == erlang.name and len(ref.ids) >= 3
    # Sent back, they are exactly the process, port and reference Erlang made.
    assert conn.rpc("ei_rs_echo", "is_stashed", [made]) is True
    other = Reference(ref.node, ref.ids[:-1] + (ref.ids[-1] ^ 1,), ref.creation)
    assert conn.rpc("ei_rs_echo", "is_stashed", [(pid, port, other)]) is False
    assert conn.rpc("erlang", "is_process_alive", [pid]) is True
    assert conn.rpc("erlang", "port_info", [port, Atom("id")]) == (Atom("id"), port.id)


def test_send_to_a_pid_from_erlang(conn, node):
    echo = conn.rpc("erlang", "whereis", [Atom("ei_rs_echo")])
    conn.send(echo, (Atom("echo"), node.pid, [Atom("by_pid")]))
    msg = conn.receive(timeout=10)
    assert msg.payload == (Atom("echo"), echo, [Atom("by_pid")])


def test_funs_go_back_unchanged(conn):
    double = conn.rpc("ei_rs_echo", "eval", ["fun(X) -> X * 2 end"])
    assert isinstance(double, OpaqueTerm)
    assert conn.rpc("erlang", "apply", [double, [21]]) == 42
    abs_fun = conn.rpc("ei_rs_echo", "eval", ["fun erlang:abs/1"])
    assert isinstance(abs_fun, OpaqueTerm)
    assert conn.rpc("erlang", "apply", [abs_fun, [-5]]) == 5
