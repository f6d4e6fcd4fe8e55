package ei

import (
	"fmt"
	"reflect"
	"unicode/utf8"
)

// Atom is an Erlang atom; its text is UTF-8 (at most 255 characters).
type Atom string

// Tuple is an Erlang tuple.
type Tuple []any

// Charlist is an Erlang string: a list of character codes. Encode writes
// it as a list of its Unicode code points. Decode returns a Charlist for
// the compact string encoding Erlang uses for lists of integers 0..255
// (STRING_EXT), whatever they mean: "abc" and [1,2,3] both decode to a
// Charlist; a list with larger integers decodes to []any.
type Charlist string

// Ints returns the character codes of a Charlist.
func (c Charlist) Ints() []int {
	out := make([]int, 0, utf8.RuneCountInString(string(c)))
	for _, r := range string(c) {
		out = append(out, int(r))
	}
	return out
}

// ImproperList is a list whose tail is not [], such as [1, 2 | tail].
type ImproperList struct {
	Elems []any
	Tail  any
}

// BitString is a bitstring whose length is not a whole number of bytes:
// Bits bits, starting at the most significant bit of Data[0]. Data holds
// (Bits+7)/8 bytes.
type BitString struct {
	Data []byte
	Bits uint
}

// MapEntry is one key/value pair of a Map.
type MapEntry struct {
	Key, Value any
}

// Map is an Erlang map as a list of pairs. Decode returns a Map (instead of
// map[any]any) when a key cannot be a Go map key: binaries ([]byte),
// lists, tuples, maps. Encode accepts both.
type Map []MapEntry

// Get returns the value of the first entry whose key is deeply equal to
// key.
func (m Map) Get(key any) (any, bool) {
	for _, e := range m {
		if reflect.DeepEqual(e.Key, key) {
			return e.Value, true
		}
	}
	return nil, false
}

// Pid is an Erlang process identifier.
type Pid struct {
	Node     string
	Num      uint32
	Serial   uint32
	Creation uint32
}

func (p Pid) String() string {
	return fmt.Sprintf("<%s.%d.%d>", p.Node, p.Num, p.Serial)
}

// Port is an Erlang port identifier.
type Port struct {
	Node     string
	ID       uint64
	Creation uint32
}

func (p Port) String() string {
	return fmt.Sprintf("#Port<%s.%d>", p.Node, p.ID)
}

// Ref is an Erlang reference: ID[:Len] are its words (Len is 1 to 5).
type Ref struct {
	Node     string
	Len      int
	ID       [5]uint32
	Creation uint32
}

func (r Ref) String() string {
	s := "#Ref<" + r.Node
	for i := r.Len - 1; i >= 0 && i < len(r.ID); i-- {
		s += fmt.Sprintf(".%d", r.ID[i])
	}
	return s + ">"
}

// Fun is an Erlang fun. An export fun (fun Module:Function/Arity) can be
// built in Go and encoded; a closure can only be decoded and encoded back
// as it came (its code lives on the node that made it).
type Fun struct {
	Module   Atom
	Function Atom // export funs only; empty for a closure
	Arity    int
	raw      []byte // encoded form of a decoded fun, without version byte
}

// IsExport reports whether f is an export fun.
func (f Fun) IsExport() bool { return f.Function != "" }

func (f Fun) String() string {
	if f.IsExport() {
		return fmt.Sprintf("fun %s:%s/%d", f.Module, f.Function, f.Arity)
	}
	return fmt.Sprintf("#Fun<%s/%d>", f.Module, f.Arity)
}
