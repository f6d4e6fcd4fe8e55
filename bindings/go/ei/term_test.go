package ei

import (
	"bytes"
	"errors"
	"math"
	"math/big"
	"math/rand"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

func mustBig(t testing.TB, s string) *big.Int {
	t.Helper()
	n, ok := new(big.Int).SetString(s, 0)
	if !ok {
		t.Fatalf("bad big int %q", s)
	}
	return n
}

// termEqual compares decoded terms: *big.Int by value, maps and Maps
// whatever their order, funs by what they show.
func termEqual(a, b any) bool {
	switch x := a.(type) {
	case *big.Int:
		y, ok := b.(*big.Int)
		return ok && x.Cmp(y) == 0
	case []any:
		y, ok := b.([]any)
		return ok && seqEqual(x, y)
	case Tuple:
		y, ok := b.(Tuple)
		return ok && seqEqual(x, y)
	case ImproperList:
		y, ok := b.(ImproperList)
		return ok && seqEqual(x.Elems, y.Elems) && termEqual(x.Tail, y.Tail)
	case map[any]any:
		y, ok := b.(map[any]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !termEqual(v, w) {
				return false
			}
		}
		return true
	case Map:
		y, ok := b.(Map)
		if !ok || len(x) != len(y) {
			return false
		}
		used := make([]bool, len(y))
	next:
		for _, e := range x {
			for i, f := range y {
				if !used[i] && termEqual(e.Key, f.Key) && termEqual(e.Value, f.Value) {
					used[i] = true
					continue next
				}
			}
			return false
		}
		return true
	case Fun:
		y, ok := b.(Fun)
		return ok && x.Module == y.Module && x.Function == y.Function && x.Arity == y.Arity
	}
	return reflect.DeepEqual(a, b)
}

func seqEqual(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !termEqual(a[i], b[i]) {
			return false
		}
	}
	return true
}

func TestEncodeKnownBytes(t *testing.T) {
	cases := []struct {
		v    any
		want []byte
	}{
		{1, []byte{131, 97, 1}},
		{255, []byte{131, 97, 255}},
		{-1, []byte{131, 98, 255, 255, 255, 255}},
		{uint64(1) << 32, []byte{131, 110, 5, 0, 0, 0, 0, 0, 1}},
		{new(big.Int).Lsh(big.NewInt(1), 64), []byte{131, 110, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
		{new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), 72)), []byte{131, 110, 10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
		{3.5, []byte{131, 70, 0x40, 0x0c, 0, 0, 0, 0, 0, 0}},
		{Atom("ok"), []byte{131, 119, 2, 'o', 'k'}},
		{true, []byte{131, 119, 4, 't', 'r', 'u', 'e'}},
		{"hi", []byte{131, 109, 0, 0, 0, 2, 'h', 'i'}},
		{[]byte{}, []byte{131, 109, 0, 0, 0, 0}},
		{Charlist("ab"), []byte{131, 107, 0, 2, 'a', 'b'}},
		{Charlist("é"), []byte{131, 107, 0, 1, 0xe9}},
		{Charlist("€"), []byte{131, 108, 0, 0, 0, 1, 98, 0, 0, 0x20, 0xac, 106}},
		{Tuple{}, []byte{131, 104, 0}},
		{[]any{}, []byte{131, 106}},
		{[]any{1, Atom("a")}, []byte{131, 108, 0, 0, 0, 2, 97, 1, 119, 1, 'a', 106}},
		{ImproperList{Elems: []any{1}, Tail: 2}, []byte{131, 108, 0, 0, 0, 1, 97, 1, 97, 2}},
		{map[any]any{Atom("a"): 1}, []byte{131, 116, 0, 0, 0, 1, 119, 1, 'a', 97, 1}},
		{BitString{Data: []byte{0xab, 0xc0}, Bits: 11}, []byte{131, 77, 0, 0, 0, 2, 3, 0xab, 0xc0}},
		{Pid{Node: "a@b", Num: 1, Serial: 2, Creation: 3},
			[]byte{131, 88, 119, 3, 'a', '@', 'b', 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3}},
		{Fun{Module: "m", Function: "f", Arity: 2}, []byte{131, 113, 119, 1, 'm', 119, 1, 'f', 97, 2}},
	}
	for _, c := range cases {
		got, err := Encode(c.v)
		if err != nil {
			t.Errorf("Encode(%#v): %v", c.v, err)
			continue
		}
		if !bytes.Equal(got, c.want) {
			t.Errorf("Encode(%#v) = %v, want %v", c.v, got, c.want)
		}
	}
}

func TestDecodeKnownBytes(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		want any
	}{
		{"small integer", []byte{131, 97, 200}, 200},
		{"integer", []byte{131, 98, 255, 255, 255, 0}, -256},
		{"small big in 64 bits", []byte{131, 110, 8, 1, 0, 0, 0, 0, 0, 0, 0, 128}, math.MinInt64},
		{"small big over 64 bits", []byte{131, 110, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, mustBig(t, "18446744073709551616")},
		{"uint64 max", []byte{131, 110, 8, 0, 255, 255, 255, 255, 255, 255, 255, 255}, mustBig(t, "18446744073709551615")},
		{"old float", append([]byte{131, 99}, []byte("1.50000000000000000000e+00\x00\x00\x00\x00\x00")...), 1.5},
		{"latin-1 atom", []byte{131, 100, 0, 2, 'h', 0xe9}, Atom("hé")},
		{"utf-8 atom", []byte{131, 118, 0, 3, 0xe2, 0x82, 0xac}, Atom("€")},
		{"false", []byte{131, 115, 5, 'f', 'a', 'l', 's', 'e'}, false},
		{"string", []byte{131, 107, 0, 3, 'a', 'b', 'c'}, Charlist("abc")},
		{"string of latin-1 codes", []byte{131, 107, 0, 2, 1, 0xe9}, Charlist("\x01é")},
		{"nil", []byte{131, 106}, []any{}},
		{"improper list", []byte{131, 108, 0, 0, 0, 1, 97, 1, 97, 2}, ImproperList{Elems: []any{1}, Tail: 2}},
		{"list continued by a list", []byte{131, 108, 0, 0, 0, 1, 97, 1, 108, 0, 0, 0, 1, 97, 2, 106}, []any{1, 2}},
		{"list continued by a string", []byte{131, 108, 0, 0, 0, 1, 97, 1, 107, 0, 2, 2, 3}, []any{1, 2, 3}},
		{"binary", []byte{131, 109, 0, 0, 0, 2, 0, 255}, []byte{0, 255}},
		{"bitstring of whole bytes", []byte{131, 77, 0, 0, 0, 1, 8, 7}, []byte{7}},
		{"large tuple", []byte{131, 105, 0, 0, 0, 1, 106}, Tuple{[]any{}}},
		{"map with a binary key", []byte{131, 116, 0, 0, 0, 1, 109, 0, 0, 0, 1, 'k', 97, 1},
			Map{{Key: []byte("k"), Value: 1}}},
		{"map with a tuple key", []byte{131, 116, 0, 0, 0, 1, 104, 1, 97, 1, 97, 2},
			Map{{Key: Tuple{1}, Value: 2}}},
		{"old pid", []byte{131, 103, 115, 3, 'a', '@', 'b', 0, 0, 0, 5, 0, 0, 0, 6, 1},
			Pid{Node: "a@b", Num: 5, Serial: 6, Creation: 1}},
		{"newer reference", []byte{131, 90, 0, 2, 119, 1, 'n', 0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 2},
			Ref{Node: "n", Len: 2, ID: [5]uint32{1, 2}, Creation: 9}},
		{"v4 port", []byte{131, 120, 119, 1, 'n', 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 7},
			Port{Node: "n", ID: 1 << 40, Creation: 7}},
	}
	for _, c := range cases {
		got, err := Decode(c.data)
		if err != nil {
			t.Errorf("%s: Decode(%v): %v", c.name, c.data, err)
			continue
		}
		if !termEqual(got, c.want) {
			t.Errorf("%s: Decode(%v) = %#v, want %#v", c.name, c.data, got, c.want)
		}
	}
}

type myInt int16
type myString string

func TestRoundTrip(t *testing.T) {
	long255 := Atom(strings.Repeat("é", 255))
	big2100 := new(big.Int).Lsh(big.NewInt(1), 2100)
	cases := []struct {
		v, want any
	}{
		{0, nil}, {-1, nil}, {math.MaxInt64, nil}, {math.MinInt64, nil},
		{int64(-5), -5}, {int32(7), 7}, {uint8(200), 200}, {uint64(math.MaxInt64), math.MaxInt64},
		{uint64(math.MaxUint64), mustBig(t, "18446744073709551615")},
		{mustBig(t, "-9223372036854775809"), nil},
		{mustBig(t, "1267650600228229401496703205377"), nil},
		{big2100, nil}, {new(big.Int).Neg(big2100), nil},
		{big.NewInt(42), 42},
		{0.1, nil}, {-1e300, nil}, {float32(0.5), 0.5},
		{true, nil}, {false, nil},
		{Atom(""), nil}, {Atom("hello world"), nil}, {Atom("日本語"), nil}, {long255, nil},
		{"", []byte{}}, {"héllo", []byte("héllo")}, {[]byte{0, 1, 255}, nil},
		{BitString{Data: []byte{0xf0}, Bits: 4}, nil},
		{Charlist("abc"), nil}, {Charlist("héllo"), nil}, {Charlist(""), []any{}},
		{Charlist("日本"), []any{26085, 26412}},
		{Tuple{}, nil}, {Tuple{1, Tuple{Atom("x")}, []any{}}, nil},
		{[]any{1, 2.5, Atom("a"), []any{[]any{}}}, nil},
		{ImproperList{Elems: []any{1, 2}, Tail: Atom("t")}, nil},
		{map[any]any{}, nil},
		{map[any]any{Atom("a"): map[any]any{1: map[any]any{"s": 2}}}, map[any]any{Atom("a"): map[any]any{1: Map{{Key: []byte("s"), Value: 2}}}}},
		{Map{{Key: []any{1}, Value: Atom("list key")}, {Key: Tuple{Atom("t")}, Value: 2}}, nil},
		{Pid{Node: "n@h", Num: 10, Serial: 0, Creation: 1 << 31}, nil},
		{Port{Node: "n@h", ID: 3, Creation: 4}, nil},
		{Ref{Node: "n@h", Len: 3, ID: [5]uint32{1, 2, 3}, Creation: 5}, nil},
		{Fun{Module: "lists", Function: "map", Arity: 2}, nil},
		// Go types encoded by their kind.
		{myInt(-3), -3}, {myString("s"), []byte("s")}, {[]string{"a", "b"}, []any{[]byte("a"), []byte("b")}},
		{[2]int{1, 300}, []any{1, 300}}, {map[Atom]int{"k": 1}, map[any]any{Atom("k"): 1}},
		{map[string]bool{"k": true}, Map{{Key: []byte("k"), Value: true}}},
	}
	for _, c := range cases {
		want := c.want
		if want == nil {
			want = c.v
		}
		data, err := Encode(c.v)
		if err != nil {
			t.Errorf("Encode(%#v): %v", c.v, err)
			continue
		}
		got, err := Decode(data)
		if err != nil {
			t.Errorf("Decode(Encode(%#v)) = error %v (bytes %v)", c.v, err, data)
			continue
		}
		if !termEqual(got, want) {
			t.Errorf("Decode(Encode(%#v)) = %#v, want %#v", c.v, got, want)
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	cyclic := []any{1, nil}
	cyclic[1] = cyclic
	cases := []struct {
		name  string
		v     any
		errno syscall.Errno // erl_errno expected from the library, or 0
		text  string        // expected in the message
	}{
		{"nil", nil, 0, "nil has no Erlang term"},
		{"channel", make(chan int), 0, "no Erlang term for this Go type"},
		{"NaN", math.NaN(), syscall.EINVAL, "ei_x_encode_double"},
		{"infinity", []any{math.Inf(1)}, syscall.EINVAL, "ei_x_encode_double"},
		{"atom of 256 characters", Atom(strings.Repeat("a", 256)), 0, "at most 255"},
		{"atom not UTF-8", Atom("\xff"), 0, "not UTF-8"},
		{"value containing itself", cyclic, 0, "nested deeper than"},
		{"empty improper list", ImproperList{Tail: 1}, 0, "at least one element"},
		{"reference without words", Ref{Node: "n@h"}, 0, "Len must be 1 to 5"},
		{"closure built in Go", Fun{Module: "m", Arity: 1}, 0, "only export funs"},
		{"bitstring longer than its data", BitString{Data: []byte{1}, Bits: 9}, 0, "9 bits"},
		{"nil big int", (*big.Int)(nil), 0, "nil *big.Int"},
	}
	for _, c := range cases {
		_, err := Encode(c.v)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: Encode = %v, want an *Error", c.name, err)
			continue
		}
		if e.Errno != c.errno {
			t.Errorf("%s: erl_errno %d, want %d (%v)", c.name, e.Errno, c.errno, err)
		}
		if !strings.Contains(err.Error(), c.text) {
			t.Errorf("%s: error %q does not mention %q", c.name, err, c.text)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	deep := []byte{131}
	for i := 0; i <= MaxDepth; i++ {
		deep = append(deep, 104, 1)
	}
	deep = append(deep, 106)
	cases := []struct {
		name  string
		data  []byte
		errno syscall.Errno
		text  string
	}{
		{"empty", nil, 0, "empty input"},
		{"version only", []byte{131}, 0, "truncated"},
		{"bad version", []byte{130, 97, 1}, syscall.EBADMSG, "ei_decode_version"},
		{"bytes after the term", []byte{131, 97, 1, 0}, 0, "1 bytes after the term"},
		{"truncated tuple", []byte{131, 104, 2, 97}, 0, "truncated"},
		{"binary longer than the input", []byte{131, 109, 127, 255, 255, 255, 1}, 0, "truncated"},
		{"bignum longer than the input", []byte{131, 111, 127, 255, 255, 255, 0, 1}, 0, "truncated"},
		{"fun longer than the input", []byte{131, 112, 127, 255, 255, 255, 0}, 0, "truncated"},
		{"tuple of 2^32-1 elements", []byte{131, 105, 255, 255, 255, 255, 106}, syscall.ERANGE, "ei_decode_tuple_header"},
		{"list of 2^32-1 elements", []byte{131, 108, 255, 255, 255, 255, 106}, syscall.ERANGE, "ei_decode_list_header"},
		{"map of 2^31 pairs", []byte{131, 116, 128, 0, 0, 0, 106, 106}, syscall.ERANGE, "ei_decode_map_header"},
		{"list of 2^31-1 elements", []byte{131, 108, 127, 255, 255, 255, 97, 1, 106}, 0, "truncated"},
		{"unknown tag", []byte{131, 200}, 0, "unsupported term type"},
		{"compressed term", []byte{131, 80, 0, 0, 0, 1, 120, 156}, 0, "unsupported term type 'P'"},
		{"nested too deep", deep, 0, "nested deeper than"},
	}
	for _, c := range cases {
		v, err := Decode(c.data)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: Decode = %#v, %v; want an *Error", c.name, v, err)
			continue
		}
		if e.Errno != c.errno {
			t.Errorf("%s: erl_errno %d, want %d (%v)", c.name, e.Errno, c.errno, err)
		}
		if !strings.Contains(err.Error(), c.text) {
			t.Errorf("%s: error %q does not mention %q", c.name, err, c.text)
		}
	}
}

// Every prefix and many corruptions of a rich term either decode or fail
// cleanly (libei's decoders take no length; Decode must keep them inside
// the input).
func TestDecodeDamagedInput(t *testing.T) {
	rich := []any{
		Tuple{Atom("ok"), 1, -70000, mustBig(t, "123456789012345678901234567890"), 2.5},
		"binary", Charlist("string"), BitString{Data: []byte{0xe0}, Bits: 3},
		map[any]any{Atom("k"): []any{Pid{Node: "a@b", Num: 1}, Ref{Node: "a@b", Len: 3}, Port{Node: "a@b"}}},
		Map{{Key: "bin", Value: ImproperList{Elems: []any{1}, Tail: 2}}},
		Fun{Module: "m", Function: "f", Arity: 1},
	}
	data, err := Encode(rich)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(data); err != nil {
		t.Fatalf("Decode of the intact term: %v", err)
	}
	for n := 0; n < len(data); n++ {
		if v, err := Decode(data[:n]); err == nil {
			t.Errorf("Decode of the first %d of %d bytes = %#v, want an error", n, len(data), v)
		}
	}
	rng := rand.New(rand.NewSource(1))
	damaged := make([]byte, len(data))
	for i := 0; i < 3000; i++ {
		copy(damaged, data)
		for j := 0; j < 1+rng.Intn(3); j++ {
			damaged[1+rng.Intn(len(damaged)-1)] = byte(rng.Intn(256))
		}
		if _, err := Decode(damaged); err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Decode(%v): error %v is not an *Error", damaged, err)
			}
		}
	}
}

func TestErrorTimeout(t *testing.T) {
	e := &Error{Op: "receive", Func: "ei_xreceive_msg_tmo", Code: -1, Errno: syscall.ETIMEDOUT}
	if !errors.Is(e, ErrTimeout) || !errors.Is(e, syscall.ETIMEDOUT) || !e.Timeout() {
		t.Errorf("%v does not match ErrTimeout and ETIMEDOUT", e)
	}
	e = &Error{Op: "connect", Func: "ei_connect_tmo", Code: -1, Errno: syscall.ECONNREFUSED}
	if errors.Is(e, ErrTimeout) || e.Timeout() {
		t.Errorf("%v matches ErrTimeout", e)
	}
	want := "ei: connect (ei_connect_tmo returned -1 ERL_ERROR, erl_errno 111: connection refused)"
	if e.Error() != want {
		t.Errorf("Error() = %q, want %q", e.Error(), want)
	}
}
