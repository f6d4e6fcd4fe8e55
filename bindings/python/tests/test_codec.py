"""encode/decode without Erlang: round trips, the bytes of known terms, and
what happens with bad input."""

import errno
import math
import os
import subprocess
import sys

import pytest
from samples import VALUES

import ei_rs
from ei_rs import (
    Atom,
    BitString,
    Charlist,
    DecodeError,
    EncodeError,
    FrozenList,
    FrozenMap,
    ImproperList,
    OpaqueTerm,
    Pid,
    Port,
    Reference,
    decode,
    encode,
)



@pytest.mark.parametrize("value", VALUES, ids=lambda v: repr(v)[:40])
def test_round_trip(value):
    data = encode(value)
    assert data[0] == 131
    back = decode(data)
    assert back == value
    if isinstance(value, Charlist) and any(c > 255 for c in value):
        # Erlang has no compact form for these: a plain list comes back.
        assert type(back) is list
    else:
        assert type(back) is type(value)


def test_nan_and_infinity_are_refused():
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(EncodeError) as e:
            encode(bad)
        assert e.value.errno == errno.EINVAL
        assert e.value.function == "ei_x_encode_double"


def test_known_bytes():
    # What term_to_binary gives for these (OTP 26+ writes atoms as UTF-8).
    assert encode(1) == bytes([131, 97, 1])
    assert encode(-1) == bytes([131, 98, 255, 255, 255, 255])
    assert encode((Atom("ok"), 1)) == bytes([131, 104, 2, 119, 2, 111, 107, 97, 1])
    assert encode([]) == bytes([131, 106])
    assert encode(Charlist("ab")) == bytes([131, 107, 0, 2, 97, 98])
    assert encode([1, 2]) == bytes([131, 108, 0, 0, 0, 2, 97, 1, 97, 2, 106])
    assert encode(b"ab") == bytes([131, 109, 0, 0, 0, 2, 97, 98])
    assert encode({}) == bytes([131, 116, 0, 0, 0, 0])
    assert encode(2**64) == bytes([131, 110, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert encode(-(2**64)) == bytes([131, 110, 9, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert encode(1.5) == bytes([131, 70, 63, 248, 0, 0, 0, 0, 0, 0])
    assert encode(True) == bytes([131, 119, 4]) + b"true"


def test_str_is_a_utf8_binary():
    assert encode("héllo") == encode("héllo".encode("utf-8"))
    assert decode(encode("héllo")) == "héllo".encode("utf-8")


def test_charlist():
    c = Charlist("héllo")
    assert c == [104, 233, 108, 108, 111]
    assert c.text == "héllo"
    assert decode(encode(c)).text == "héllo"
    # Characters above 255 make a plain list of integers in Erlang too.
    assert encode(Charlist("日本")) == encode([26085, 26412])
    assert decode(encode([104, 105])) == Charlist("hi")
    assert Charlist([26085, 26412]).text == "日本"
    # Over 65535 codes Erlang writes a list of integers too.
    assert decode(encode(Charlist("a" * 70000))) == [97] * 70000


def test_decode_old_and_latin1_encodings():
    # ATOM_EXT (Latin-1), FLOAT_EXT (31 characters of text), PID_EXT,
    # NEW_PORT_EXT, NEW_REFERENCE_EXT: what older nodes send.
    assert decode(bytes([131, 100, 0, 3, 104, 233, 98])) == Atom("héb")
    float_text = b"1.50000000000000000000e+00".ljust(31, b"\x00")
    assert decode(bytes([131, 99]) + float_text) == 1.5
    node = bytes([100, 0, 3]) + b"n@h"
    assert decode(bytes([131, 103]) + node + bytes([0, 0, 0, 5, 0, 0, 0, 6, 2])) == Pid("n@h", 5, 6, 2)
    assert decode(bytes([131, 89]) + node + bytes([0, 0, 0, 7, 0, 0, 0, 3])) == Port("n@h", 7, 3)
    assert decode(bytes([131, 114, 0, 2]) + node + bytes([1, 0, 0, 0, 1, 0, 0, 0, 2])) == Reference(
        "n@h", (1, 2), 1
    )


def test_opaque_terms_round_trip_unchanged():
    export = bytes([113, 119, 5]) + b"lists" + bytes([119, 3]) + b"map" + bytes([97, 2])
    value = decode(bytes([131]) + export)
    assert value == OpaqueTerm(export)
    assert encode(value) == bytes([131]) + export


def test_map_keys_that_python_cannot_hash():
    # #{[1] => a, #{1 => 2} => b, {[x]} => c}
    value = {FrozenList([1]): Atom("a"), FrozenMap({1: 2}): Atom("b"), (FrozenList([Atom("x")]),): Atom("c")}
    back = decode(encode(value))
    assert back == value
    assert back[FrozenList([1])] == Atom("a")
    key = next(iter(back))
    assert isinstance(key, FrozenList) and key == [1]
    # A list key and a tuple key with the same elements stay apart.
    two = decode(encode({FrozenList([1, 2]): 1, (1, 2): 2}))
    assert len(two) == 2
    assert encode(FrozenList([1, 2])) == encode([1, 2])


def test_map_keys_equal_in_python_are_refused():
    # #{1 => a, 1.0 => b} is a map of two keys in Erlang.
    data = (
        bytes([131, 116, 0, 0, 0, 2])
        + encode(1)[1:] + encode(Atom("a"))[1:]
        + encode(1.0)[1:] + encode(Atom("b"))[1:]
    )
    with pytest.raises(DecodeError) as e:
        decode(data)
    assert e.value.errno == errno.ERANGE


def test_bitstring_ignores_unused_bits():
    assert BitString(b"\xff", 3) == BitString(b"\xe0", 3)
    assert decode(encode(BitString(b"\xff", 3))) == BitString(b"\xe0", 3)
    with pytest.raises(ValueError):
        BitString(b"\xff\xff", 3)


@pytest.mark.parametrize(
    "data, why",
    [
        (b"", "no data"),
        (b"\x83", "truncated"),
        (bytes([130, 97, 1]), "ei_decode_version"),
        (bytes([131, 97, 1, 0]), "bytes after the term"),
        (bytes([131, 109, 255, 255, 255, 255]), "truncated"),  # binary of 4 GiB
        (bytes([131, 109, 0, 0, 0, 3, 97]), "truncated"),
        (bytes([131, 107, 0, 9, 97]), "truncated"),  # string
        (bytes([131, 108, 255, 255, 255, 255, 106]), "truncated"),  # list of 4G elements
        (bytes([131, 108, 0, 0, 0, 2, 97, 1]), "truncated"),
        (bytes([131, 116, 0, 0, 0, 1, 97, 1]), "truncated"),  # map without a value
        (bytes([131, 111, 255, 255, 255, 0, 0, 1]), "truncated"),  # bignum
        (bytes([131, 88, 100, 255, 255]), "truncated"),  # pid with a 64 KiB node name
        (bytes([131, 90, 255, 255, 119, 1, 110, 0, 0, 0, 1]), "truncated"),  # ref of 65535 words
        (bytes([131, 112, 255, 255, 255, 255]), "truncated"),  # fun
        (bytes([131, 0]), "unsupported"),
        (bytes([131, 104, 1]), "truncated"),
    ],
)
def test_bad_input_raises(data, why):
    with pytest.raises(DecodeError) as e:
        decode(data)
    assert why in str(e.value)
    assert e.value.errno == errno.EBADMSG


def test_library_errors_carry_erl_errno():
    # A well-formed header that the library itself rejects: a reference
    # of 6 words (erlang_ref holds 5).
    node = bytes([119, 3]) + b"n@h"
    data = bytes([131, 90, 0, 6]) + node + bytes(4) + bytes(24)
    with pytest.raises(DecodeError) as e:
        decode(data)
    assert e.value.function == "ei_decode_ref"
    assert e.value.errno != 0


def test_nesting_limit():
    def nested(depth):
        return bytes([131]) + bytes([104, 1]) * depth + bytes([106])

    assert decode(nested(ei_rs.codec.MAX_DEPTH)) is not None
    for depth in (ei_rs.codec.MAX_DEPTH + 1, 100000):
        with pytest.raises(DecodeError, match="nested deeper"):
            decode(nested(depth))


def test_encode_errors():
    with pytest.raises(EncodeError) as e:
        encode(Atom("a" * 256))
    assert e.value.errno != 0
    with pytest.raises(TypeError, match="None"):
        encode(None)
    with pytest.raises(TypeError, match="set"):
        encode({1, 2})
    with pytest.raises(ValueError):
        ImproperList([], 1)
    for bad in (Pid("n@h", 2**32), Pid("n@h", 1, -1), Port("n@h", 2**64), Reference("n@h", (2**32,))):
        with pytest.raises(EncodeError) as e:
            encode(bad)
        assert e.value.errno == errno.ERANGE


def test_format_term():
    assert ei_rs.format_term((Atom("ok"), [1, 2], b"ab", 2**70)) == "{ok, [1, 2], #Bin<97,98>, 16#400000000000000000}"


def test_missing_library_is_a_clear_import_error(tmp_path):
    env = dict(os.environ, EI_RS_LIBRARY=str(tmp_path / "libei.so"))
    r = subprocess.run([sys.executable, "-c", "import ei_rs"], env=env, capture_output=True, text=True)
    assert r.returncode != 0
    assert "ImportError" in r.stderr and "EI_RS_LIBRARY" in r.stderr
