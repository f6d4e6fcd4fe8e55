"""Nodes and connections against a real Erlang node: connecting,
messages, signals, rpc, errors, and an Erlang node connecting to Python."""

import errno
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import free_port, unique_name

import ei_rs
from ei_rs import (
    Atom,
    ConnectError,
    ConnectionClosed,
    EiTimeoutError,
    MessageType,
    Node,
    Pid,
    Reference,
    RpcError,
)


def test_node_identity(erlang):
    name = unique_name()
    with Node(name, erlang.cookie, creation=1234567) as n:
        assert n.name == name
        assert n.alive == name.split("@")[0]
        assert n.host == "localhost"
        assert n.creation == 1234567
        assert n.pid == Pid(name, 0, 0, 1234567)
        assert n.make_pid() != n.make_pid()
        r1, r2 = n.make_ref(), n.make_ref()
        assert r1 != r2 and r1.node == name


def test_alive_name_only_gets_this_host(erlang):
    n = Node("pyalive", erlang.cookie)
    assert n.name == f"pyalive@{n.host}" and n.host


def test_erlang_sees_our_pid_and_refs(conn, node):
    assert conn.rpc("erlang", "node", [node.pid]) == Atom(node.name)
    ref = node.make_ref()
    assert conn.rpc("erlang", "node", [ref]) == Atom(node.name)
    assert conn.rpc("erlang", "is_reference", [ref]) is True


def test_rpc(conn, erlang):
    assert conn.peer == erlang.name
    assert conn.rpc("erlang", "node", []) == Atom(erlang.name)
    assert conn.rpc("lists", "reverse", [[1, 2, 3]]) == [3, 2, 1]
    assert conn.rpc(Atom("erlang"), Atom("+"), [2**70, 1]) == 2**70 + 1
    assert conn.rpc("erlang", "system_info", [Atom("otp_release")]).text == erlang.release


def test_rpc_failure_raises_with_the_reason(conn):
    with pytest.raises(RpcError) as e:
        conn.rpc("no_such_module", "f", [1])
    kind, (what, _stack) = e.value.reason
    assert (kind, what) == (Atom("EXIT"), Atom("undef"))
    with pytest.raises(RpcError) as e:
        conn.rpc("erlang", "error", [Atom("boom")])
    assert e.value.reason[1][0] == Atom("boom")
    # The connection still works.
    assert conn.rpc("erlang", "abs", [-3]) == 3


def test_rpc_timeout(conn):
    start = time.monotonic()
    with pytest.raises(EiTimeoutError) as e:
        conn.rpc("timer", "sleep", [3000], timeout=0.3)
    assert 0.25 < time.monotonic() - start < 5
    assert e.value.errno == errno.ETIMEDOUT
    assert isinstance(e.value, TimeoutError)


def test_rpc_keeps_messages_that_arrive_first(conn, node):
    # The call sends us a message before it returns.
    assert conn.rpc("erlang", "send", [node.pid, Atom("early")]) == Atom("early")
    msg = conn.receive(timeout=5)
    assert (msg.type, msg.payload) == (MessageType.SEND, Atom("early"))


def test_receive_timeout(conn):
    start = time.monotonic()
    with pytest.raises(EiTimeoutError) as e:
        conn.receive(timeout=0.3)
    assert 0.25 < time.monotonic() - start < 5
    assert e.value.errno == errno.ETIMEDOUT
    # Nothing was lost: the connection still works.
    assert conn.rpc("erlang", "abs", [-1]) == 1


def test_reg_send_and_send(conn, node):
    conn.send("ei_rs_echo", (Atom("echo"), node.pid, b"by name"))
    first = conn.receive(timeout=10)
    assert first.type == MessageType.SEND
    assert first.recipient == node.pid and first.sender is None
    echo = first.payload[1]
    conn.send(echo, (Atom("echo"), node.pid, b"by pid"))
    assert conn.receive(timeout=10).payload == (Atom("echo"), echo, b"by pid")


def test_link_and_exit_signals(conn, node):
    other = conn.rpc("ei_rs_echo", "link_and_exit", [node.pid, (Atom("shutdown"), b"bye")])
    link = conn.receive(timeout=10)
    assert (link.type, link.sender, link.recipient, link.payload) == (
        MessageType.LINK, other, node.pid, None)
    exit_ = conn.receive(timeout=10)
    assert (exit_.type, exit_.sender, exit_.recipient) == (MessageType.EXIT, other, node.pid)
    assert exit_.payload == (Atom("shutdown"), b"bye")


def test_wrong_cookie(erlang):
    with Node(unique_name(), "not-" + erlang.cookie) as n:
        with pytest.raises(ConnectError) as e:
            n.connect(erlang.name, timeout=10)
    assert "cookie" in str(e.value)


def test_unknown_node(node):
    with pytest.raises(ConnectError) as e:
        node.connect(unique_name("nobody"), timeout=10)
    assert e.value.code == ei_rs._lib.ERL_NO_PORT


def test_no_epmd(node, monkeypatch):
    monkeypatch.setenv("ERL_EPMD_PORT", str(free_port()))
    with pytest.raises(ConnectError) as e:
        node.connect(unique_name("nobody"), timeout=10)
    assert e.value.code == ei_rs._lib.ERL_NO_DAEMON


def test_peer_closing_the_connection(erlang, node):
    with node.connect(erlang.name, timeout=10) as victim:
        assert victim.rpc("erlang", "abs", [-1]) == 1
        with Node(unique_name(), erlang.cookie) as other, other.connect(erlang.name) as c:
            assert c.rpc("erlang", "disconnect_node", [Atom(node.name)]) is True
        with pytest.raises(ConnectionClosed):
            victim.receive(timeout=10)


def test_closed_connection(conn):
    conn.close()
    assert conn.closed
    with pytest.raises(ConnectionClosed) as e:
        conn.send("ei_rs_echo", 1)
    assert e.value.errno == errno.EBADF
    with pytest.raises(ConnectionClosed):
        conn.receive(timeout=1)
    conn.close()  # twice is fine


def test_accept_timeout(erlang):
    with Node(unique_name(), erlang.cookie) as n:
        n.listen(address="127.0.0.1")
        start = time.monotonic()
        with pytest.raises(EiTimeoutError):
            n.accept(timeout=0.3)
        assert 0.25 < time.monotonic() - start < 5


def _epmd_names(conn):
    ok, names = conn.rpc("net_adm", "names", [])
    assert ok == Atom("ok")
    return {(name.text, port) for name, port in names}


def test_publish_and_unpublish(conn, erlang):
    with Node(unique_name("pub"), erlang.cookie) as server:
        port = server.listen(address="127.0.0.1")
        assert port > 0 and server.port == port
        server.publish()
        assert (server.alive, port) in _epmd_names(conn)
        server.unpublish()
        for _ in range(50):
            if (server.alive, port) not in _epmd_names(conn):
                break
            time.sleep(0.1)
        else:
            pytest.fail("epmd still lists the node after unpublish")


def test_erlang_node_connects_to_python(conn, erlang):
    """An Erlang process sends a request to a name on the Python node, which
    accepts the connection Erlang opens and answers."""
    with Node(unique_name("srv"), erlang.cookie) as server:
        server.listen(address="127.0.0.1")
        server.publish()
        seen = {}

        def serve():
            with server.accept(timeout=20) as c:
                seen["peer"] = c.peer
                msg = c.receive(timeout=20)
                seen["msg"] = msg
                ref, sender, request = msg.payload
                c.send(sender, (ref, (Atom("answer"), request, Atom(server.name))))

        with ThreadPoolExecutor(1) as pool:
            done = pool.submit(serve)
            reply = conn.rpc(
                "ei_rs_echo", "call_node",
                [Atom(server.name), Atom("pyserver"), [1, b"two", Atom("three")], 20000],
                timeout=30,
            )
            done.result(timeout=30)

    assert reply == (Atom("ok"), (Atom("answer"), [1, b"two", Atom("three")], Atom(server.name)))
    assert seen["peer"] == erlang.name
    msg = seen["msg"]
    assert msg.type == MessageType.REG_SEND
    assert msg.recipient == Atom("pyserver")
    assert isinstance(msg.sender, Pid) and msg.sender.node == erlang.name
    assert isinstance(msg.payload[0], Reference)



def test_exit2_signal(conn, node):
    # erlang:exit(OurPid, Reason), from the process that runs the call.
    assert conn.rpc("erlang", "exit", [node.pid, (Atom("stop"), 42)]) is True
    sig = conn.receive(timeout=10)
    assert (sig.type, sig.recipient, sig.payload) == (MessageType.EXIT2, node.pid, (Atom("stop"), 42))
    assert isinstance(sig.sender, Pid) and sig.sender.node == conn.peer
