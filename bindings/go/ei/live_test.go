package ei

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"
)

const wait = 10 * time.Second // for answers that should come at once

var echoName = Atom("goei_echo")

func needLive(t *testing.T) {
	t.Helper()
	if live.node == "" {
		t.Skip("needs a live Erlang node (not run with -short)")
	}
}

// newNode makes a C node with a unique name and the live node's cookie.
func newNode(t *testing.T, prefix, cookie string) *Node {
	t.Helper()
	n, err := NewNode(uniqueName(prefix)+"@localhost", cookie, 0)
	if err != nil {
		t.Fatalf("NewNode: %v", err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// connect makes a new C node and connects it to the live node.
func connect(t *testing.T) *Conn {
	t.Helper()
	c, err := newNode(t, "goei", live.cookie).Connect(live.node, wait)
	if err != nil {
		t.Fatalf("Connect(%s): %v", live.node, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// receiveTagged receives messages until a tuple whose first element is tag.
func receiveTagged(t *testing.T, c *Conn, tag Atom) Tuple {
	t.Helper()
	for {
		m, err := c.Receive(wait)
		if err != nil {
			t.Fatalf("waiting for {%s, ...}: %v", tag, err)
		}
		if tup, ok := m.Value.(Tuple); ok && len(tup) > 0 && tup[0] == tag {
			return tup
		}
		t.Logf("(skipping %v message %#v)", m.Type, m.Value)
	}
}

// check sends v to the node with the Erlang text of the same term; the node
// compares the two and sends back its own term and the echo of v, which
// must both decode to want (nil: v).
func check(t *testing.T, c *Conn, text string, v, want any) {
	t.Helper()
	if want == nil {
		want = v
	}
	if err := c.Send(echoName, Tuple{Atom("check"), c.Self(), text, v}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	r := receiveTagged(t, c, "check")
	if len(r) != 4 {
		t.Fatalf("reply %#v", r)
	}
	if r[1] != true {
		t.Errorf("%s: the node received %#v, which is not =:= %s (the node's value decodes to %#v)", text, r[3], text, r[2])
	}
	if !termEqual(r[2], want) {
		t.Errorf("%s: the node's term decodes to %#v, want %#v", text, r[2], want)
	}
	if !termEqual(r[3], want) {
		t.Errorf("%s: the echo of %#v decodes to %#v, want %#v", text, v, r[3], want)
	}
}

type liveCase struct {
	text string // the term in Erlang
	v    any    // the Go value sent
	want any    // what comes back (nil: v)
}

func runCases(t *testing.T, c *Conn, cases []liveCase) {
	for _, lc := range cases {
		check(t, c, lc.text, lc.v, lc.want)
	}
}

func TestLiveRoundTrip(t *testing.T) {
	needLive(t)
	c := connect(t)
	runCases(t, c, []liveCase{
		{"0.", 0, nil},
		{"-1.", -1, nil},
		{"255.", 255, nil},
		{"256.", 256, nil},
		{"-2147483648.", math.MinInt32, nil},
		{"2147483648.", 2147483648, nil},
		{"9223372036854775807.", int64(math.MaxInt64), math.MaxInt64},
		{"-9223372036854775808.", int64(math.MinInt64), math.MinInt64},
		{"18446744073709551615.", uint64(math.MaxUint64), mustBig(t, "18446744073709551615")},
		{"3.5.", 3.5, nil},
		{"-1.0e300.", -1e300, nil},
		{"0.1.", 0.1, nil},
		{"ok.", Atom("ok"), nil},
		{"''.", Atom(""), nil},
		{"'hello world'.", Atom("hello world"), nil},
		{"true.", true, nil},
		{"false.", false, nil},
		{`<<"héllo"/utf8>>.`, "héllo", []byte("héllo")},
		{"<<0, 1, 255>>.", []byte{0, 1, 255}, nil},
		{"<<>>.", []byte{}, nil},
		{"<<171, 6:3>>.", BitString{Data: []byte{0xab, 0xc0}, Bits: 11}, nil},
		{`"abc".`, Charlist("abc"), nil},
		{`"héllo".`, Charlist("héllo"), nil},
		{`"日本".`, Charlist("日本"), []any{26085, 26412}},
		{"[1, 2, 3].", []any{1, 2, 3}, Charlist("\x01\x02\x03")},
		{"[].", []any{}, nil},
		{"[a, [b, [c]], 1.5, <<\"x\">>].", []any{Atom("a"), []any{Atom("b"), []any{Atom("c")}}, 1.5, []byte("x")}, nil},
		{"[1, 2 | tail].", ImproperList{Elems: []any{1, 2}, Tail: Atom("tail")}, nil},
		{"{}.", Tuple{}, nil},
		{"{ok, {nested, [1000]}, #{}}.", Tuple{Atom("ok"), Tuple{Atom("nested"), []any{1000}}, map[any]any{}}, nil},
		{"list_to_tuple(lists:seq(1000, 1299)).", largeTuple(), nil},
		{"lists:seq(1, 5000).", intList(5000), nil},
		{"#{a => 1, 2 => two}.", map[any]any{Atom("a"): 1, 2: Atom("two")}, nil},
		{`#{<<"k">> => v}.`, Map{{Key: []byte("k"), Value: Atom("v")}}, nil},
		{"#{{t, 1} => [x]}.", Map{{Key: Tuple{Atom("t"), 1}, Value: []any{Atom("x")}}}, nil},
		{"fun lists:reverse/1.", Fun{Module: "lists", Function: "reverse", Arity: 1}, nil},
	})
}

func largeTuple() Tuple {
	t := make(Tuple, 300)
	for i := range t {
		t[i] = 1000 + i
	}
	return t
}

func intList(n int) []any {
	l := make([]any, n)
	for i := range l {
		l[i] = i + 1
	}
	return l
}

func TestLiveBigInts(t *testing.T) {
	needLive(t)
	c := connect(t)
	p100 := new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), 100), big.NewInt(1))
	p2100 := new(big.Int).Lsh(big.NewInt(1), 2100) // LARGE_BIG_EXT: over 255 bytes
	runCases(t, c, []liveCase{
		{"1 bsl 63.", new(big.Int).Lsh(big.NewInt(1), 63), nil},
		{"-(1 bsl 63) - 1.", mustBig(t, "-9223372036854775809"), nil},
		{"1 bsl 64.", mustBig(t, "18446744073709551616"), nil},
		{"1 bsl 100 + 1.", p100, nil},
		{"-(1 bsl 100 + 1).", new(big.Int).Neg(p100), nil},
		{"1 bsl 2100.", p2100, nil},
		{"-(1 bsl 2100) + 7.", new(big.Int).Add(new(big.Int).Neg(p2100), big.NewInt(7)), nil},
		{"1 bsl 62.", big.NewInt(1 << 62), 1 << 62},
	})
	// Arithmetic on the node: the product of two bignums.
	a := mustBig(t, "123456789012345678901234567890")
	b := mustBig(t, "-987654321098765432109876543210")
	got, err := c.RPC("erlang", "*", []any{a, b}, wait)
	if err != nil {
		t.Fatalf("rpc erlang:'*': %v", err)
	}
	if want := new(big.Int).Mul(a, b); !termEqual(got, want) {
		t.Errorf("erlang:'*'(%v, %v) = %v, want %v", a, b, got, want)
	}
	// Erlang's decimal text of a bignum sent from Go.
	got, err = c.RPC("erlang", "integer_to_binary", []any{p2100}, wait)
	if err != nil {
		t.Fatalf("rpc integer_to_binary: %v", err)
	}
	if s, ok := got.([]byte); !ok || string(s) != p2100.String() {
		t.Errorf("integer_to_binary(2^2100) = %v, want %s", got, p2100)
	}
}

func TestLiveUnicodeAtoms(t *testing.T) {
	needLive(t)
	c := connect(t)
	long := strings.Repeat("ü", 255)
	runCases(t, c, []liveCase{
		{"'héllo'.", Atom("héllo"), nil},
		{"'日本語'.", Atom("日本語"), nil},
		{"'🙂 ok'.", Atom("🙂 ok"), nil},
		{"'" + long + "'.", Atom(long), nil},
		{"{'Ωmega', ['λ']}.", Tuple{Atom("Ωmega"), []any{Atom("λ")}}, nil},
	})
	for _, a := range []Atom{"héllo", "日本語", "🙂"} {
		got, err := c.RPC("erlang", "atom_to_binary", []any{a, Atom("utf8")}, wait)
		if err != nil {
			t.Fatalf("rpc atom_to_binary: %v", err)
		}
		if b, ok := got.([]byte); !ok || string(b) != string(a) {
			t.Errorf("atom_to_binary(%q) = %#v, want the UTF-8 text", a, got)
		}
		got, err = c.RPC("erlang", "binary_to_atom", []any{string(a), Atom("utf8")}, wait)
		if err != nil {
			t.Fatalf("rpc binary_to_atom: %v", err)
		}
		if got != a {
			t.Errorf("binary_to_atom(%q) = %#v", a, got)
		}
	}
	if _, err := Encode(Atom(long + "x")); err == nil {
		t.Errorf("Encode of a 256-character atom succeeded")
	}
}

func TestLiveNestedMaps(t *testing.T) {
	needLive(t)
	c := connect(t)
	nested := map[any]any{
		Atom("name"): []byte("ei"),
		Atom("config"): map[any]any{
			Atom("depth"): 2,
			Atom("inner"): map[any]any{
				Atom("list"):  []any{map[any]any{1: Atom("one")}, map[any]any{}},
				Atom("tuple"): Tuple{map[any]any{Atom("x"): 1.5}},
			},
		},
		7: map[any]any{Atom("seven"): true},
	}
	runCases(t, c, []liveCase{
		{`#{name => <<"ei">>, config => #{depth => 2, inner => #{list => [#{1 => one}, #{}], tuple => {#{x => 1.5}}}}, 7 => #{seven => true}}.`,
			nested, nil},
		{`#{#{a => 1} => #{<<"b">> => [#{}]}}.`,
			Map{{Key: map[any]any{Atom("a"): 1}, Value: Map{{Key: []byte("b"), Value: []any{map[any]any{}}}}}}, nil},
		{"maps:from_list([{I, I * I} || I <- lists:seq(1, 100)]).", squares(100), nil},
	})
	// The node walks the nested map it received.
	got, err := c.RPC("maps", "get", []any{Atom("x"), map[any]any{Atom("x"): 1.5}}, wait)
	if err != nil || got != 1.5 {
		t.Errorf("maps:get(x, ...) = %#v, %v", got, err)
	}
	got, err = c.RPC("erlang", "map_size", []any{nested}, wait)
	if err != nil || got != 3 {
		t.Errorf("map_size = %#v, %v; want 3", got, err)
	}
}

func squares(n int) map[any]any {
	m := make(map[any]any, n)
	for i := 1; i <= n; i++ {
		m[i] = i * i
	}
	return m
}

func TestLivePidsRefsPorts(t *testing.T) {
	needLive(t)
	c := connect(t)

	// The C node's own pid: sent, echoed, and the echo comes from a pid on
	// the Erlang node.
	self := c.Self()
	if err := c.Send(echoName, Tuple{Atom("echo"), self, self}); err != nil {
		t.Fatal(err)
	}
	r := receiveTagged(t, c, "echo")
	if r[2] != self {
		t.Errorf("echo of own pid %v = %#v", self, r[2])
	}
	echoPid, ok := r[1].(Pid)
	if !ok || echoPid.Node != live.node {
		t.Fatalf("echo came from %#v, want a pid on %s", r[1], live.node)
	}
	// Sending to the pid (not the name) works too.
	if err := c.Send(echoPid, Tuple{Atom("echo"), self, Atom("by_pid")}); err != nil {
		t.Fatal(err)
	}
	if r := receiveTagged(t, c, "echo"); r[2] != Atom("by_pid") {
		t.Errorf("echo by pid = %#v", r)
	}

	for _, q := range []struct{ expr, is string }{
		{"make_ref", "is_reference"},
		{"self", "is_pid"},
	} {
		v, err := c.RPC("erlang", q.expr, nil, wait)
		if err != nil {
			t.Fatalf("rpc %s: %v", q.expr, err)
		}
		isKind := func(v any) {
			ok, err := c.RPC("erlang", q.is, []any{v}, wait)
			if err != nil || ok != true {
				t.Errorf("%s(%#v) = %#v, %v", q.is, v, ok, err)
			}
		}
		isKind(v)
		if err := c.Send(echoName, Tuple{Atom("echo"), self, v}); err != nil {
			t.Fatal(err)
		}
		if r := receiveTagged(t, c, "echo"); r[2] != v {
			t.Errorf("echo of %#v = %#v", v, r[2])
		}
		switch x := v.(type) {
		case Ref:
			if x.Node != live.node || x.Len < 3 {
				t.Errorf("make_ref() = %#v", x)
			}
		case Pid:
			if x.Node != live.node {
				t.Errorf("self() = %#v", x)
			}
		default:
			t.Errorf("%s() = %#v (%T)", q.expr, v, v)
		}
	}

	ports, err := c.RPC("erlang", "ports", nil, wait)
	if err != nil {
		t.Fatal(err)
	}
	list, _ := ports.([]any)
	if len(list) == 0 {
		t.Fatalf("erlang:ports() = %#v", ports)
	}
	port, ok := list[0].(Port)
	if !ok || port.Node != live.node {
		t.Fatalf("a port: %#v", list[0])
	}
	if ok, err := c.RPC("erlang", "is_port", []any{port}, wait); err != nil || ok != true {
		t.Errorf("is_port(%v) = %#v, %v", port, ok, err)
	}
	// A pid made in Go for the node's own name is the node's process.
	alive, err := c.RPC("erlang", "is_process_alive", []any{echoPid}, wait)
	if err != nil || alive != true {
		t.Errorf("is_process_alive(%v) = %#v, %v", echoPid, alive, err)
	}
}

func TestLiveTermToBinary(t *testing.T) {
	needLive(t)
	c := connect(t)
	values := []struct {
		v, want any
	}{
		{Tuple{Atom("ok"), 1, -300, 2.5, "bin"}, Tuple{Atom("ok"), 1, -300, 2.5, []byte("bin")}},
		{[]any{1, 2, 3}, Charlist("\x01\x02\x03")},
		{map[any]any{Atom("k"): []any{Atom("v")}, "s": 1}, Map{{Key: Atom("k"), Value: []any{Atom("v")}}, {Key: []byte("s"), Value: 1}}},
		{Atom("日本"), nil},
		{mustBig(t, "-123456789012345678901234567890"), nil},
		{ImproperList{Elems: []any{Atom("a")}, Tail: Atom("b")}, nil},
		{BitString{Data: []byte{0x80}, Bits: 1}, nil},
	}
	for _, opts := range [][]any{nil, {Tuple{Atom("minor_version"), 0}}, {Tuple{Atom("minor_version"), 2}}} {
		for _, tc := range values {
			want := tc.want
			if want == nil {
				want = tc.v
			}
			args := []any{tc.v}
			if opts != nil {
				args = append(args, opts)
			}
			bin, err := c.RPC("erlang", "term_to_binary", args, wait)
			if err != nil {
				t.Fatalf("rpc term_to_binary(%#v, %v): %v", tc.v, opts, err)
			}
			data, ok := bin.([]byte)
			if !ok {
				t.Fatalf("term_to_binary returned %#v", bin)
			}
			got, err := Decode(data)
			if err != nil {
				t.Errorf("Decode(term_to_binary(%#v, %v) = %v): %v", tc.v, opts, data, err)
				continue
			}
			if !termEqual(got, want) {
				t.Errorf("Decode(term_to_binary(%#v, %v)) = %#v, want %#v", tc.v, opts, got, want)
			}
		}
	}
	// Compressed terms are not part of what libei decodes: a clear error.
	bin, err := c.RPC("erlang", "term_to_binary", []any{make([]byte, 1000), []any{Atom("compressed")}}, wait)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(bin.([]byte)); err == nil || !strings.Contains(err.Error(), "unsupported term type 'P'") {
		t.Errorf("Decode of a compressed term: %v, want an unsupported type error", err)
	}
	// And the other way: bytes made in Go, decoded by the node.
	data, err := Encode(Tuple{Atom("from_go"), []any{1.25, "x"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.RPC("erlang", "binary_to_term", []any{data}, wait)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Tuple{Atom("from_go"), []any{1.25, []byte("x")}}); !termEqual(got, want) {
		t.Errorf("binary_to_term(Encode(...)) = %#v, want %#v", got, want)
	}
}

func TestLiveWrongCookie(t *testing.T) {
	needLive(t)
	n := newNode(t, "goei_bad", "not-"+live.cookie)
	start := time.Now()
	c, err := n.Connect(live.node, wait)
	if err == nil {
		c.Close()
		t.Fatalf("Connect with a wrong cookie succeeded")
	}
	var e *Error
	if !errors.As(err, &e) || e.Func != "ei_connect_tmo" || e.Code >= 0 {
		t.Errorf("Connect with a wrong cookie: %v, want an *Error from ei_connect_tmo", err)
	}
	if errors.Is(err, ErrTimeout) || time.Since(start) > wait/2 {
		t.Errorf("the refusal took %v (%v), want it at once", time.Since(start), err)
	}
	if !strings.Contains(err.Error(), "wrong cookie?") {
		t.Errorf("the error %q does not suggest the cookie", err)
	}
	t.Logf("wrong cookie: %v", err)
	// The right cookie still works.
	check(t, connect(t), "ok.", Atom("ok"), nil)
}

func TestLiveConnectErrors(t *testing.T) {
	needLive(t)
	n := newNode(t, "goei", live.cookie)
	_, err := n.Connect("nobody_"+randomHex(4)+"@localhost", wait)
	var e *Error
	if !errors.As(err, &e) || e.Code >= 0 {
		t.Errorf("Connect to an unknown node: %v, want an *Error", err)
	}
	n.Close()
	if _, err := n.Connect(live.node, wait); !errors.Is(err, ErrClosed) {
		t.Errorf("Connect on a closed node: %v, want ErrClosed", err)
	}
}

func TestLiveReceiveTimeout(t *testing.T) {
	needLive(t)
	c := connect(t)
	start := time.Now()
	m, err := c.Receive(300 * time.Millisecond)
	elapsed := time.Since(start)
	if err == nil {
		t.Fatalf("Receive returned %#v, want a timeout", m)
	}
	if !errors.Is(err, ErrTimeout) {
		t.Errorf("Receive: %v, want an error matching ErrTimeout", err)
	}
	if !strings.Contains(err.Error(), "no message within 300ms") {
		t.Errorf("the error %q does not say what timed out", err)
	}
	if elapsed < 300*time.Millisecond || elapsed > 5*time.Second {
		t.Errorf("Receive(300ms) returned after %v", elapsed)
	}
	// The connection is still usable.
	check(t, c, "after_timeout.", Atom("after_timeout"), nil)

	// An rpc that takes too long.
	slow := connect(t)
	start = time.Now()
	_, err = slow.RPC("timer", "sleep", []any{3000}, 300*time.Millisecond)
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "no reply within 300ms") {
		t.Errorf("slow rpc: %v, want a timeout error", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("RPC with a 300ms timeout returned after %v", elapsed)
	}
}

func TestLiveRPC(t *testing.T) {
	needLive(t)
	c := connect(t)
	cases := []struct {
		mod, fun string
		args     []any
		want     any
	}{
		{"lists", "reverse", []any{[]any{Atom("a"), Atom("b"), Atom("c")}}, []any{Atom("c"), Atom("b"), Atom("a")}},
		{"erlang", "+", []any{40, 2}, 42},
		{"lists", "seq", []any{1, 3}, Charlist("\x01\x02\x03")},
		{"string", "uppercase", []any{"héllo"}, []byte("HÉLLO")},
		{"erlang", "node", nil, Atom(live.node)},
		{"erlang", "tuple_to_list", []any{Tuple{1, 2.5, Atom("x")}}, []any{1, 2.5, Atom("x")}},
		{"lists", "sum", []any{[]any{mustBig(t, "18446744073709551616"), 1}}, mustBig(t, "18446744073709551617")},
		{"erlang", "system_info", []any{Atom("otp_release")}, Charlist(live.release)},
	}
	for _, tc := range cases {
		got, err := c.RPC(tc.mod, tc.fun, tc.args, wait)
		if err != nil {
			t.Errorf("rpc %s:%s%v: %v", tc.mod, tc.fun, tc.args, err)
			continue
		}
		if !termEqual(got, tc.want) {
			t.Errorf("rpc %s:%s%v = %#v, want %#v", tc.mod, tc.fun, tc.args, got, tc.want)
		}
	}

	// Failures on the node are *RPCError with the badrpc reason.
	_, err := c.RPC("no_such_module", "f", []any{1}, wait)
	var re *RPCError
	if !errors.As(err, &re) {
		t.Fatalf("rpc of an unknown module: %v, want an *RPCError", err)
	}
	if r, ok := re.Reason.(Tuple); !ok || len(r) != 2 || r[0] != Atom("EXIT") {
		t.Errorf("badrpc reason %#v, want {'EXIT', _}", re.Reason)
	} else if inner, ok := r[1].(Tuple); !ok || inner[0] != Atom("undef") {
		t.Errorf("badrpc reason %#v, want {'EXIT', {undef, _}}", re.Reason)
	}
	_, err = c.RPC("erlang", "error", []any{Atom("boom")}, wait)
	if !errors.As(err, &re) || !strings.Contains(fmt.Sprint(re.Reason), "boom") {
		t.Errorf("rpc erlang:error(boom): %v", err)
	}

	// A message that arrives while RPC waits is kept for Receive.
	if err := c.Send(echoName, Tuple{Atom("echo"), c.Self(), Atom("queued")}); err != nil {
		t.Fatal(err)
	}
	if got, err := c.RPC("timer", "sleep", []any{100}, wait); err != nil || got != Atom("ok") {
		t.Fatalf("rpc timer:sleep: %#v, %v", got, err)
	}
	m, err := c.Receive(wait)
	if err != nil {
		t.Fatalf("Receive after RPC: %v", err)
	}
	if v, ok := m.Value.(Tuple); m.Type != MsgSend || !ok || len(v) != 3 || v[2] != Atom("queued") {
		t.Errorf("Receive after RPC = %v %#v, want the echo", m.Type, m.Value)
	}
	if m.To != c.Self() {
		t.Errorf("message to %v, want %v", m.To, c.Self())
	}
}

func TestLiveAccept(t *testing.T) {
	needLive(t)
	c := connect(t)
	server := newNode(t, "goei_srv", live.cookie)
	l, err := server.Listen(0)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	defer l.Close()
	if l.Port() <= 0 {
		t.Fatalf("Listen(0) port %d", l.Port())
	}
	if err := l.Publish(wait); err != nil {
		t.Fatalf("Publish: %v", err)
	}

	// Nobody connects yet: Accept times out.
	if _, err := l.Accept(200 * time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Errorf("Accept with nobody connecting: %v, want a timeout", err)
	}

	// The Erlang node connects to the Go node to send {hello, P} to the
	// name inbox; the Go node replies to P, P reports to c.
	type accepted struct {
		conn *Conn
		err  error
	}
	ch := make(chan accepted, 1)
	go func() {
		a, err := l.Accept(wait)
		ch <- accepted{a, err}
	}()
	if err := c.Send(echoName, Tuple{Atom("ask_accept"), c.Self(), Atom(server.Name()), Atom("inbox")}); err != nil {
		t.Fatal(err)
	}
	a := <-ch
	if a.err != nil {
		t.Fatalf("Accept: %v", a.err)
	}
	defer a.conn.Close()
	if a.conn.Peer() != live.node {
		t.Errorf("accepted a connection from %q, want %q", a.conn.Peer(), live.node)
	}
	var hello Message
	for {
		hello, err = a.conn.Receive(wait)
		if err != nil {
			t.Fatalf("Receive on the accepted connection: %v", err)
		}
		if hello.Type == MsgRegSend {
			break
		}
		t.Logf("(skipping %v)", hello.Type)
	}
	if hello.ToName != "inbox" {
		t.Errorf("message to %q, want inbox", hello.ToName)
	}
	v, ok := hello.Value.(Tuple)
	if !ok || len(v) != 2 || v[0] != Atom("hello") {
		t.Fatalf("message %#v, want {hello, Pid}", hello.Value)
	}
	sender, ok := v[1].(Pid)
	if !ok || sender != hello.From || sender.Node != live.node {
		t.Errorf("sender %#v, envelope From %#v", v[1], hello.From)
	}
	if err := a.conn.Send(sender, Tuple{Atom("reply"), 42}); err != nil {
		t.Fatalf("Send on the accepted connection: %v", err)
	}
	if r := receiveTagged(t, c, "accept_result"); r[1] != 42 {
		t.Errorf("the Erlang process got %#v, want 42", r[1])
	}
}

func TestLiveAcceptWrongCookie(t *testing.T) {
	needLive(t)
	c := connect(t)
	server := newNode(t, "goei_srv", "not-"+live.cookie)
	l, err := server.Listen(0)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	defer l.Close()
	if err := l.Publish(wait); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	ch := make(chan error, 1)
	go func() {
		a, err := l.Accept(wait)
		if a != nil {
			a.Close()
		}
		ch <- err
	}()
	if err := c.Send(echoName, Tuple{Atom("ask_accept"), c.Self(), Atom(server.Name()), Atom("inbox")}); err != nil {
		t.Fatal(err)
	}
	err = <-ch
	var e *Error
	if !errors.As(err, &e) || e.Func != "ei_accept_tmo" || errors.Is(err, ErrTimeout) {
		t.Errorf("Accept of a node with another cookie: %v, want a handshake failure", err)
	}
	t.Logf("wrong cookie on accept: %v", err)
}

func TestLiveConcurrent(t *testing.T) {
	needLive(t)
	const workers, rounds = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*2)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			// Each goroutine its own node and connection.
			n, err := NewNode(uniqueName(fmt.Sprintf("goei_w%d", w))+"@localhost", live.cookie, 0)
			if err != nil {
				errs <- err
				return
			}
			defer n.Close()
			c, err := n.Connect(live.node, wait)
			if err != nil {
				errs <- fmt.Errorf("worker %d: %w", w, err)
				return
			}
			defer c.Close()
			for i := 0; i < rounds; i++ {
				v := Tuple{w, i, []any{Atom("w"), mustBigNoT(fmt.Sprintf("%d%020d", w+1, i))}, map[any]any{Atom("i"): i}}
				if err := c.Send(echoName, Tuple{Atom("echo"), c.Self(), v}); err != nil {
					errs <- fmt.Errorf("worker %d: %w", w, err)
					return
				}
				m, err := c.Receive(wait)
				if err != nil {
					errs <- fmt.Errorf("worker %d round %d: %w", w, i, err)
					return
				}
				r, ok := m.Value.(Tuple)
				if !ok || len(r) != 3 || !termEqual(r[2], v) {
					errs <- fmt.Errorf("worker %d round %d: echo %#v, want %#v", w, i, m.Value, v)
					return
				}
				if i%5 == 0 {
					got, err := c.RPC("erlang", "+", []any{w * 1000, i}, wait)
					if err != nil || got != w*1000+i {
						errs <- fmt.Errorf("worker %d: rpc = %#v, %v", w, got, err)
						return
					}
				}
			}
		}(w)
	}
	// Several goroutines sharing one connection: calls run one at a time,
	// each gets its own answer.
	shared := connect(t)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				got, err := shared.RPC("erlang", "*", []any{w, i}, wait)
				if err != nil || got != w*i {
					errs <- fmt.Errorf("shared connection, goroutine %d: %d*%d = %#v, %v", w, w, i, got, err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func mustBigNoT(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return n
}

func TestLiveClosedConn(t *testing.T) {
	needLive(t)
	c := connect(t)
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := c.Send(echoName, 1); !errors.Is(err, ErrClosed) {
		t.Errorf("Send on a closed connection: %v", err)
	}
	if _, err := c.Receive(time.Millisecond); !errors.Is(err, ErrClosed) {
		t.Errorf("Receive on a closed connection: %v", err)
	}
	if _, err := c.RPC("erlang", "node", nil, wait); !errors.Is(err, ErrClosed) {
		t.Errorf("RPC on a closed connection: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestLiveSignals(t *testing.T) {
	needLive(t)
	c := connect(t)
	self := c.Self()
	// rpc runs the call in a process of its own: linking it to the C node
	// gives a LINK now and an EXIT (reason normal) when it ends. The LINK
	// arrives while RPC waits for the reply, which keeps it for Receive.
	if got, err := c.RPC("erlang", "link", []any{self}, wait); err != nil || got != true {
		t.Fatalf("rpc erlang:link(self) = %#v, %v", got, err)
	}
	link, err := c.Receive(wait)
	if err != nil {
		t.Fatal(err)
	}
	if link.Type != MsgLink || link.To != self || link.From.Node != live.node || link.Value != nil {
		t.Errorf("got %v from %v to %v (%#v), want LINK from a process on %s to %v",
			link.Type, link.From, link.To, link.Value, live.node, self)
	}
	exit, err := c.Receive(wait)
	if err != nil {
		t.Fatal(err)
	}
	if exit.Type != MsgExit || exit.From != link.From || exit.To != self || exit.Value != Atom("normal") {
		t.Errorf("got %v from %v to %v reason %#v, want EXIT from %v with reason normal",
			exit.Type, exit.From, exit.To, exit.Value, link.From)
	}
	// exit/2 to the C node's pid: an EXIT2 signal with the reason.
	if got, err := c.RPC("erlang", "exit", []any{self, Tuple{Atom("shutdown"), "why"}}, wait); err != nil || got != true {
		t.Fatalf("rpc erlang:exit(self, ...) = %#v, %v", got, err)
	}
	exit2, err := c.Receive(wait)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Tuple{Atom("shutdown"), []byte("why")}); exit2.Type != MsgExit2 || !termEqual(exit2.Value, want) {
		t.Errorf("got %v with %#v, want EXIT2 with %#v", exit2.Type, exit2.Value, want)
	}
}

func TestLiveTicks(t *testing.T) {
	needLive(t)
	c := connect(t)
	idle := connect(t)
	// Ticks every 0.5 s; a connection that answers none for 2 s is dropped.
	// Restored for the other tests.
	if _, err := c.RPC("net_kernel", "set_net_ticktime", []any{2, 0}, wait); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if _, err := c.RPC("net_kernel", "set_net_ticktime", []any{60, 0}, wait); err != nil {
			t.Errorf("restoring net_ticktime: %v", err)
		}
	}()
	if got, err := c.RPC("net_kernel", "get_net_ticktime", nil, wait); err != nil || got != 2 {
		t.Fatalf("net_ticktime %#v, %v; want 2", got, err)
	}
	// Receive answers the ticks that come while it waits, and returns only
	// at its timeout.
	start := time.Now()
	_, err := c.Receive(4 * time.Second)
	if elapsed := time.Since(start); !errors.Is(err, ErrTimeout) || elapsed < 4*time.Second {
		t.Errorf("Receive(4s) = %v after %v, want a timeout after 4s", err, elapsed)
	}
	check(t, c, "still_connected.", Atom("still_connected"), nil)
	// Meanwhile nobody answered the node's ticks on idle: it is gone.
	_ = idle.Send(echoName, Tuple{Atom("echo"), idle.Self(), 1})
	if m, err := idle.Receive(wait); err == nil || errors.Is(err, ErrTimeout) {
		t.Errorf("the connection that answered no ticks: Receive = %v, %v; want a connection error", m.Type, err)
	}
}

func TestLiveFuns(t *testing.T) {
	needLive(t)
	c := connect(t)
	// An export fun built in Go, called by the node.
	rev := Fun{Module: "lists", Function: "reverse", Arity: 1}
	got, err := c.RPC("erlang", "apply", []any{rev, []any{[]any{Atom("a"), Atom("b")}}}, wait)
	if err != nil || !termEqual(got, []any{Atom("b"), Atom("a")}) {
		t.Errorf("apply(fun lists:reverse/1, [[a, b]]) = %#v, %v", got, err)
	}
	// A closure made on the node comes back as a Fun that can be sent back
	// and called there.
	if err := c.Send(echoName, Tuple{Atom("check"), c.Self(), "fun(X) -> {X, X} end.", 0}); err != nil {
		t.Fatal(err)
	}
	r := receiveTagged(t, c, "check")
	f, ok := r[2].(Fun)
	if !ok || f.IsExport() || f.Arity != 1 || f.Module == "" {
		t.Fatalf("the node's closure decodes to %#v, want a Fun of arity 1", r[2])
	}
	got, err = c.RPC("erlang", "apply", []any{f, []any{7}}, wait)
	if err != nil || !termEqual(got, Tuple{7, 7}) {
		t.Errorf("calling the closure on the node = %#v, %v; want {7, 7}", got, err)
	}
}
