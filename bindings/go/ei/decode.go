package ei

/*
#include "gei.h"
*/
import "C"

import (
	"fmt"
	"math/big"
	"reflect"
	"runtime"
	"unsafe"
)

// Decode reads one term in the external term format (starting with the
// version byte 131, as term_to_binary writes it) with libei's ei_decode_*
// functions. Bytes after the term are an error, and so is any truncated or
// malformed input (it is never read past its end). It returns:
//
//	integer                   int, or *big.Int when it does not fit an int
//	float                     float64
//	true, false               bool
//	other atoms               Atom
//	binary                    []byte
//	bitstring                 BitString
//	STRING_EXT ("abc")        Charlist
//	[] and other lists        []any ([] is an empty, non-nil []any)
//	[H | T] with T not a list ImproperList
//	tuple                     Tuple
//	map                       map[any]any, or Map when a key is not
//	                          comparable in Go ([]byte, list, tuple, map)
//	pid, port, reference      Pid, Port, Ref
//	fun                       Fun
func Decode(data []byte) (any, error) {
	return decodeTerm(data, true)
}

// decodeTerm decodes data, which starts with the version byte or not.
func decodeTerm(data []byte, version bool) (any, error) {
	if len(data) == 0 {
		return nil, &Error{Op: "decode", Msg: "empty input"}
	}
	if len(data) > 1<<31-1 {
		return nil, &Error{Op: "decode", Msg: "input over 2 GiB"}
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	// libei's decoders take no buffer length: they trust the term to be
	// whole. The decoder below checks every length against the input before
	// the call that reads that many bytes, and the index after each call;
	// the copy in C memory (some decoders hand back pointers into the
	// buffer) is followed by padding that any fixed-size header or atom
	// (at most 65535 bytes) read past the end stays in. Its bytes are 0xFF:
	// an invalid tag, and a non-zero digit where a bignum inside a fun is
	// checked for fitting 64 bits.
	buf := (*C.char)(C.malloc(C.size_t(len(data) + padding)))
	if buf == nil {
		return nil, &Error{Op: "decode", Msg: "out of memory"}
	}
	defer C.free(unsafe.Pointer(buf))
	C.memcpy(unsafe.Pointer(buf), unsafe.Pointer(&data[0]), C.size_t(len(data)))
	C.memset(unsafe.Add(unsafe.Pointer(buf), len(data)), 0xFF, padding)
	d := decoder{buf: buf, size: len(data)}
	if version {
		var v C.int
		if rc := C.ei_decode_version(buf, &d.index, &v); rc < 0 {
			return nil, d.fail("ei_decode_version", rc)
		}
	}
	v, err := d.decode(0)
	if err != nil {
		return nil, err
	}
	if int(d.index) != d.size {
		return nil, &Error{Op: "decode", Msg: fmt.Sprintf("%d bytes after the term", d.size-int(d.index))}
	}
	return v, nil
}

// padding follows the input in the decoder's copy.
const padding = 1<<16 + 64

type decoder struct {
	buf   *C.char
	size  int
	index C.int
}

// truncated is the error of a term that does not fit the input.
func (d *decoder) truncated(need int) error {
	return &Error{Op: "decode", Msg: fmt.Sprintf("truncated input: the term at byte %d needs %d more bytes, %d are left",
		int(d.index), need, d.size-int(d.index))}
}

// fits checks that n bytes remain from the index.
func (d *decoder) fits(n int) error {
	if n < 0 || n > d.size-int(d.index) {
		return d.truncated(n)
	}
	return nil
}

// ok checks the return code of a decoder that was at index start, and that
// it did not read past the input.
func (d *decoder) ok(fn string, rc C.int, start C.int) error {
	if rc < 0 {
		return d.fail(fn, rc)
	}
	if int(d.index) > d.size {
		need := int(d.index - start)
		d.index = start
		return d.truncated(need)
	}
	return nil
}

func (d *decoder) fail(fn string, rc C.int) error {
	err := callError("decode", fn, rc)
	err.Msg = fmt.Sprintf("at byte %d", int(d.index))
	return err
}

func (d *decoder) decode(depth int) (any, error) {
	if depth > MaxDepth {
		return nil, &Error{Op: "decode", Msg: fmt.Sprintf("nested deeper than %d", MaxDepth)}
	}
	if int(d.index) >= d.size {
		return nil, d.truncated(1)
	}
	start := d.index
	var typ, size C.int
	if rc := C.ei_get_type(d.buf, &d.index, &typ, &size); rc < 0 {
		return nil, d.fail("ei_get_type", rc)
	}
	// Lengths counted in bytes must fit what is left (each header takes
	// at least one more byte).
	switch typ {
	case C.ERL_ATOM_EXT, C.ERL_STRING_EXT, C.ERL_BINARY_EXT, C.ERL_BIT_BINARY_EXT,
		C.ERL_SMALL_BIG_EXT, C.ERL_LARGE_BIG_EXT:
		if size < 0 {
			return nil, d.truncated(int(uint32(size)))
		}
		if err := d.fits(int(size) + 1); err != nil {
			return nil, err
		}
	}
	switch typ {
	case C.ERL_SMALL_INTEGER_EXT, C.ERL_INTEGER_EXT, C.ERL_SMALL_BIG_EXT, C.ERL_LARGE_BIG_EXT:
		return d.integer(typ, size)
	case C.ERL_FLOAT_EXT:
		var f C.double
		if err := d.ok("ei_decode_double", C.ei_decode_double(d.buf, &d.index, &f), start); err != nil {
			return nil, err
		}
		return float64(f), nil
	case C.ERL_ATOM_EXT:
		a, err := d.atom()
		if err != nil {
			return nil, err
		}
		switch a {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return a, nil
	case C.ERL_BINARY_EXT:
		b := make([]byte, int(size))
		var n C.long
		var p unsafe.Pointer
		if len(b) > 0 {
			p = unsafe.Pointer(&b[0])
		}
		if err := d.ok("ei_decode_binary", C.ei_decode_binary(d.buf, &d.index, p, &n), start); err != nil {
			return nil, err
		}
		return b[:n], nil
	case C.ERL_BIT_BINARY_EXT:
		var p *C.char
		var off C.uint
		var bits C.size_t
		if err := d.ok("ei_decode_bitstring", C.ei_decode_bitstring(d.buf, &d.index, &p, &off, &bits), start); err != nil {
			return nil, err
		}
		if off != 0 {
			return nil, &Error{Op: "decode", Msg: "bitstring with a bit offset"}
		}
		nb := C.int((uint64(bits) + 7) / 8)
		if bits%8 == 0 {
			return C.GoBytes(unsafe.Pointer(p), nb), nil
		}
		return BitString{Data: C.GoBytes(unsafe.Pointer(p), nb), Bits: uint(bits)}, nil
	case C.ERL_STRING_EXT:
		s := (*C.char)(C.malloc(C.size_t(size) + 1))
		if s == nil {
			return nil, &Error{Op: "decode", Msg: "out of memory"}
		}
		defer C.free(unsafe.Pointer(s))
		if err := d.ok("ei_decode_string", C.ei_decode_string(d.buf, &d.index, s), start); err != nil {
			return nil, err
		}
		raw := C.GoBytes(unsafe.Pointer(s), size)
		runes := make([]rune, len(raw))
		for i, c := range raw {
			runes[i] = rune(c) // Latin-1: each byte is a code point
		}
		return Charlist(string(runes)), nil
	case C.ERL_NIL_EXT:
		var n C.int
		if err := d.ok("ei_decode_list_header", C.ei_decode_list_header(d.buf, &d.index, &n), start); err != nil {
			return nil, err
		}
		return []any{}, nil
	case C.ERL_LIST_EXT:
		return d.list(depth)
	case C.ERL_SMALL_TUPLE_EXT, C.ERL_LARGE_TUPLE_EXT:
		var n C.int
		if err := d.ok("ei_decode_tuple_header", C.ei_decode_tuple_header(d.buf, &d.index, &n), start); err != nil {
			return nil, err
		}
		if err := d.count(n); err != nil {
			return nil, err
		}
		t := make(Tuple, 0, d.capacity(int(n)))
		for i := 0; i < int(n); i++ {
			el, err := d.decode(depth + 1)
			if err != nil {
				return nil, err
			}
			t = append(t, el)
		}
		return t, nil
	case C.ERL_MAP_EXT:
		return d.mapTerm(depth)
	case C.ERL_PID_EXT:
		var p C.erlang_pid
		if err := d.ok("ei_decode_pid", C.ei_decode_pid(d.buf, &d.index, &p), start); err != nil {
			return nil, err
		}
		return goPid(&p), nil
	case C.ERL_PORT_EXT:
		var p C.erlang_port
		if err := d.ok("ei_decode_port", C.ei_decode_port(d.buf, &d.index, &p), start); err != nil {
			return nil, err
		}
		return Port{Node: goString(p.node[:]), ID: uint64(p.id), Creation: uint32(p.creation)}, nil
	case C.ERL_REFERENCE_EXT, C.ERL_NEW_REFERENCE_EXT:
		var r C.erlang_ref
		if err := d.ok("ei_decode_ref", C.ei_decode_ref(d.buf, &d.index, &r), start); err != nil {
			return nil, err
		}
		ref := Ref{Node: goString(r.node[:]), Len: int(r.len), Creation: uint32(r.creation)}
		for i := range ref.ID {
			if i < ref.Len {
				ref.ID[i] = uint32(r.n[i])
			}
		}
		return ref, nil
	case C.ERL_NEW_FUN_EXT, C.ERL_EXPORT_EXT:
		return d.fun(typ)
	}
	return nil, &Error{Op: "decode", Msg: fmt.Sprintf("unsupported term type %q at byte %d", rune(typ), int(d.index))}
}

// capacity bounds a preallocation by what the remaining input can hold
// (every element takes at least one byte).
func (d *decoder) capacity(n int) int {
	if rest := d.size - int(d.index); n > rest {
		return rest
	}
	return n
}

// count checks an arity or length read by a header decoder: a negative one
// (over 2^31 on the wire) cannot fit the input.
func (d *decoder) count(n C.int) error {
	if n < 0 {
		return d.truncated(int(uint32(n)))
	}
	return nil
}

func (d *decoder) integer(typ, size C.int) (any, error) {
	start := d.index
	var n C.longlong
	rc := C.ei_decode_longlong(d.buf, &d.index, &n)
	if rc >= 0 {
		if err := d.ok("ei_decode_longlong", rc, start); err != nil {
			return nil, err
		}
		if int64(n) == int64(int(n)) {
			return int(n), nil
		}
		return big.NewInt(int64(n)), nil
	}
	if typ != C.ERL_SMALL_BIG_EXT && typ != C.ERL_LARGE_BIG_EXT {
		return nil, d.fail("ei_decode_longlong", rc)
	}
	// Too large for 64 bits: the digits, through erlang_big.
	b := C.ei_alloc_big(C.uint(size))
	if b == nil {
		return nil, &Error{Op: "decode", Msg: "ei_alloc_big failed"}
	}
	defer C.ei_free_big(b)
	if err := d.ok("ei_decode_big", C.ei_decode_big(d.buf, &d.index, b), start); err != nil {
		return nil, err
	}
	// 16-bit digits, least significant first.
	digits := unsafe.Slice((*uint16)(b.digits), (int(size)+1)/2)
	mag := make([]byte, int(size)) // big-endian
	for i := 0; i < int(size); i++ {
		dg := digits[i/2]
		if i%2 == 1 {
			dg >>= 8
		}
		mag[len(mag)-1-i] = byte(dg)
	}
	v := new(big.Int).SetBytes(mag)
	if b.is_neg != 0 {
		v.Neg(v)
	}
	if v.IsInt64() && int64(int(v.Int64())) == v.Int64() {
		return int(v.Int64()), nil
	}
	return v, nil
}

func (d *decoder) atom() (Atom, error) {
	start := d.index
	var s [C.MAXATOMLEN_UTF8]C.char
	var was, res C.erlang_char_encoding
	rc := C.ei_decode_atom_as(d.buf, &d.index, &s[0], C.int(len(s)), C.ERLANG_UTF8, &was, &res)
	if err := d.ok("ei_decode_atom_as", rc, start); err != nil {
		return "", err
	}
	return Atom(goString(s[:])), nil
}

func (d *decoder) list(depth int) (any, error) {
	var elems []any
	for {
		start := d.index
		var n C.int
		if err := d.ok("ei_decode_list_header", C.ei_decode_list_header(d.buf, &d.index, &n), start); err != nil {
			return nil, err
		}
		if err := d.count(n); err != nil {
			return nil, err
		}
		if elems == nil {
			elems = make([]any, 0, d.capacity(int(n)))
		}
		if n == 0 { // the [] tail
			return elems, nil
		}
		for i := 0; i < int(n); i++ {
			el, err := d.decode(depth + 1)
			if err != nil {
				return nil, err
			}
			elems = append(elems, el)
		}
		// The tail: [] ends the list, another list continues it (a
		// non-canonical encoding), anything else makes it improper.
		if int(d.index) >= d.size {
			return nil, d.truncated(1)
		}
		var typ, size C.int
		if rc := C.ei_get_type(d.buf, &d.index, &typ, &size); rc < 0 {
			return nil, d.fail("ei_get_type", rc)
		}
		switch typ {
		case C.ERL_NIL_EXT, C.ERL_LIST_EXT:
			continue
		case C.ERL_STRING_EXT:
			tail, err := d.decode(depth + 1)
			if err != nil {
				return nil, err
			}
			for _, c := range tail.(Charlist).Ints() {
				elems = append(elems, c)
			}
			return elems, nil
		}
		tail, err := d.decode(depth + 1)
		if err != nil {
			return nil, err
		}
		return ImproperList{Elems: elems, Tail: tail}, nil
	}
}

func (d *decoder) mapTerm(depth int) (any, error) {
	start := d.index
	var n C.int
	if err := d.ok("ei_decode_map_header", C.ei_decode_map_header(d.buf, &d.index, &n), start); err != nil {
		return nil, err
	}
	if err := d.count(n); err != nil {
		return nil, err
	}
	pairs := make(Map, 0, d.capacity(int(n)))
	comparable := true
	for i := 0; i < int(n); i++ {
		k, err := d.decode(depth + 1)
		if err != nil {
			return nil, err
		}
		v, err := d.decode(depth + 1)
		if err != nil {
			return nil, err
		}
		if comparable && !reflect.TypeOf(k).Comparable() {
			comparable = false
		}
		pairs = append(pairs, MapEntry{Key: k, Value: v})
	}
	if !comparable {
		return pairs, nil
	}
	m := make(map[any]any, len(pairs))
	for _, kv := range pairs {
		m[kv.Key] = kv.Value
	}
	return m, nil
}

func (d *decoder) fun(typ C.int) (any, error) {
	start := d.index
	if typ == C.ERL_NEW_FUN_EXT {
		// The closure's free variables are copied by length: its Size
		// field (after the tag) counts itself and the rest of the fun.
		if err := d.fits(5); err != nil {
			return nil, err
		}
		p := unsafe.Add(unsafe.Pointer(d.buf), int(d.index)+1)
		sz := C.GoBytes(p, 4)
		size := int(sz[0])<<24 | int(sz[1])<<16 | int(sz[2])<<8 | int(sz[3])
		if err := d.fits(1 + size); err != nil {
			return nil, err
		}
	}
	var module [C.MAXATOMLEN_UTF8]C.char
	var function [C.MAXATOMLEN_UTF8]C.char
	var arity C.long
	var export C.int
	rc := C.gei_decode_fun(d.buf, &d.index, &module[0], &function[0], &arity, &export)
	if err := d.ok("ei_decode_fun", rc, start); err != nil {
		return nil, err
	}
	f := Fun{
		Module: Atom(goString(module[:])),
		Arity:  int(arity),
		raw:    C.GoBytes(unsafe.Add(unsafe.Pointer(d.buf), int(start)), d.index-start),
	}
	if export != 0 {
		f.Function = Atom(goString(function[:]))
	}
	return f, nil
}

func goPid(p *C.erlang_pid) Pid {
	return Pid{Node: goString(p.node[:]), Num: uint32(p.num), Serial: uint32(p.serial), Creation: uint32(p.creation)}
}

func cPid(p Pid) (C.erlang_pid, bool) {
	var c C.erlang_pid
	ok := setCString(c.node[:], p.Node)
	c.num, c.serial, c.creation = C.uint(p.Num), C.uint(p.Serial), C.uint(p.Creation)
	return c, ok
}
