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
	"unicode/utf8"
	"unsafe"
)

// MaxDepth bounds the nesting of terms Encode and Decode handle (which also
// stops Encode on a value that contains itself).
const MaxDepth = 10000

// Encode returns the external term format of v (with the version byte 131
// first, as term_to_binary writes it), built with libei's ei_x_encode_*
// functions. The Go types it takes:
//
//	int, int8..int64, uint, uint8..uint64   integer
//	*big.Int                                 integer of any size
//	float32, float64                         float (NaN and infinities fail)
//	bool                                     true / false
//	Atom                                     atom
//	string                                   binary holding the UTF-8 text
//	[]byte                                   binary
//	BitString                                bitstring
//	Charlist                                 list of code points ("abc")
//	Tuple                                    tuple
//	[]any (any slice or array but []byte)    list
//	ImproperList                             [H | T]
//	map[K]V (any Go map), Map                map
//	Pid, Port, Ref, Fun                      pid, port, reference, fun
//
// Named types whose underlying type is one of the basic kinds (integer,
// float, bool, string) encode as that kind.
func Encode(v any) ([]byte, error) {
	return encodeTerm(v, true)
}

// encodeTerm encodes v, with or without the version byte.
func encodeTerm(v any, version bool) ([]byte, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var e encoder
	if rc := C.ei_x_new(&e.x); rc < 0 {
		return nil, callError("encode", "ei_x_new", rc)
	}
	defer C.ei_x_free(&e.x)
	if version {
		if rc := C.ei_x_encode_version(&e.x); rc < 0 {
			return nil, callError("encode", "ei_x_encode_version", rc)
		}
	}
	if err := e.encode(v, 0); err != nil {
		return nil, err
	}
	return C.GoBytes(unsafe.Pointer(e.x.buff), e.x.index), nil
}

type encoder struct {
	x C.ei_x_buff
}

func (e *encoder) check(rc C.int, fn string, v any) error {
	if rc < 0 {
		err := callError("encode", fn, rc)
		err.Msg = fmt.Sprintf("%T %s", v, short(v))
		return err
	}
	return nil
}

func short(v any) string {
	s := fmt.Sprintf("%v", v)
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

func encodeError(v any, msg string) error {
	if v == nil {
		return &Error{Op: "encode", Msg: msg}
	}
	return &Error{Op: "encode", Msg: fmt.Sprintf("%T %s: %s", v, short(v), msg)}
}

func (e *encoder) encode(v any, depth int) error {
	if depth > MaxDepth {
		return encodeError(v, fmt.Sprintf("nested deeper than %d", MaxDepth))
	}
	x := &e.x
	switch t := v.(type) {
	case nil:
		return encodeError(v, "nil has no Erlang term (use an Atom such as \"undefined\")")
	case int:
		return e.check(C.ei_x_encode_longlong(x, C.longlong(t)), "ei_x_encode_longlong", v)
	case int64:
		return e.check(C.ei_x_encode_longlong(x, C.longlong(t)), "ei_x_encode_longlong", v)
	case int32:
		return e.check(C.ei_x_encode_long(x, C.long(t)), "ei_x_encode_long", v)
	case uint64:
		return e.check(C.ei_x_encode_ulonglong(x, C.ulonglong(t)), "ei_x_encode_ulonglong", v)
	case uint:
		return e.check(C.ei_x_encode_ulonglong(x, C.ulonglong(t)), "ei_x_encode_ulonglong", v)
	case uint8:
		return e.check(C.ei_x_encode_ulong(x, C.ulong(t)), "ei_x_encode_ulong", v)
	case *big.Int:
		if t == nil {
			return encodeError(v, "nil *big.Int")
		}
		return e.bigInt(t)
	case float64:
		return e.check(C.ei_x_encode_double(x, C.double(t)), "ei_x_encode_double", v)
	case bool:
		b := C.int(0)
		if t {
			b = 1
		}
		return e.check(C.ei_x_encode_boolean(x, b), "ei_x_encode_boolean", v)
	case Atom:
		return e.atom(t)
	case string:
		b := []byte(t)
		return e.check(C.ei_x_encode_binary(x, unsafe.Pointer(bytesPtr(b)), C.int(len(b))), "ei_x_encode_binary", v)
	case []byte:
		if len(t) > 1<<31-1 {
			return encodeError(v, "binary over 2 GiB")
		}
		return e.check(C.ei_x_encode_binary(x, unsafe.Pointer(bytesPtr(t)), C.int(len(t))), "ei_x_encode_binary", v)
	case BitString:
		if uint(len(t.Data))*8 < t.Bits {
			return encodeError(v, fmt.Sprintf("%d bits need more than %d bytes", t.Bits, len(t.Data)))
		}
		return e.check(C.ei_x_encode_bitstring(x, bytesPtr(t.Data), 0, C.size_t(t.Bits)), "ei_x_encode_bitstring", v)
	case Charlist:
		return e.charlist(t)
	case Tuple:
		if err := e.check(C.ei_x_encode_tuple_header(x, C.long(len(t))), "ei_x_encode_tuple_header", v); err != nil {
			return err
		}
		for _, el := range t {
			if err := e.encode(el, depth+1); err != nil {
				return err
			}
		}
		return nil
	case []any:
		return e.list(len(t), func(i int) any { return t[i] }, nil, v, depth)
	case ImproperList:
		if len(t.Elems) == 0 {
			return encodeError(v, "an improper list needs at least one element")
		}
		return e.list(len(t.Elems), func(i int) any { return t.Elems[i] }, t.Tail, v, depth)
	case map[any]any:
		if err := e.check(C.ei_x_encode_map_header(x, C.long(len(t))), "ei_x_encode_map_header", v); err != nil {
			return err
		}
		for k, val := range t {
			if err := e.encode(k, depth+1); err != nil {
				return err
			}
			if err := e.encode(val, depth+1); err != nil {
				return err
			}
		}
		return nil
	case Map:
		if err := e.check(C.ei_x_encode_map_header(x, C.long(len(t))), "ei_x_encode_map_header", v); err != nil {
			return err
		}
		for _, kv := range t {
			if err := e.encode(kv.Key, depth+1); err != nil {
				return err
			}
			if err := e.encode(kv.Value, depth+1); err != nil {
				return err
			}
		}
		return nil
	case Pid:
		p, ok := cPid(t)
		if !ok {
			return encodeError(v, "bad node name")
		}
		return e.check(C.ei_x_encode_pid(x, &p), "ei_x_encode_pid", v)
	case Port:
		var p C.erlang_port
		if !setCString(p.node[:], t.Node) {
			return encodeError(v, "bad node name")
		}
		p.id, p.creation = C.ulonglong(t.ID), C.uint(t.Creation)
		return e.check(C.ei_x_encode_port(x, &p), "ei_x_encode_port", v)
	case Ref:
		var r C.erlang_ref
		if !setCString(r.node[:], t.Node) {
			return encodeError(v, "bad node name")
		}
		if t.Len < 1 || t.Len > len(t.ID) {
			return encodeError(v, "Len must be 1 to 5")
		}
		r.len, r.creation = C.int(t.Len), C.uint(t.Creation)
		for i := range t.ID {
			r.n[i] = C.uint(t.ID[i])
		}
		return e.check(C.ei_x_encode_ref(x, &r), "ei_x_encode_ref", v)
	case Fun:
		return e.fun(t)
	}
	return e.reflected(v, depth)
}

// reflected handles named and composite types by their kind.
func (e *encoder) reflected(v any, depth int) error {
	rv := reflect.ValueOf(v)
	x := &e.x
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return e.check(C.ei_x_encode_longlong(x, C.longlong(rv.Int())), "ei_x_encode_longlong", v)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return e.check(C.ei_x_encode_ulonglong(x, C.ulonglong(rv.Uint())), "ei_x_encode_ulonglong", v)
	case reflect.Float32, reflect.Float64:
		return e.check(C.ei_x_encode_double(x, C.double(rv.Float())), "ei_x_encode_double", v)
	case reflect.Bool:
		return e.encode(rv.Bool(), depth)
	case reflect.String:
		return e.encode(rv.String(), depth)
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.Uint8 {
			return e.encode(rv.Bytes(), depth)
		}
		return e.list(rv.Len(), func(i int) any { return rv.Index(i).Interface() }, nil, v, depth)
	case reflect.Map:
		if err := e.check(C.ei_x_encode_map_header(x, C.long(rv.Len())), "ei_x_encode_map_header", v); err != nil {
			return err
		}
		it := rv.MapRange()
		for it.Next() {
			if err := e.encode(it.Key().Interface(), depth+1); err != nil {
				return err
			}
			if err := e.encode(it.Value().Interface(), depth+1); err != nil {
				return err
			}
		}
		return nil
	case reflect.Pointer:
		if !rv.IsNil() {
			return e.encode(rv.Elem().Interface(), depth+1)
		}
	}
	return encodeError(v, "no Erlang term for this Go type")
}

// list encodes n elements then tail ([] when tail is nil).
func (e *encoder) list(n int, elem func(int) any, tail any, v any, depth int) error {
	x := &e.x
	if n > 0 {
		if err := e.check(C.ei_x_encode_list_header(x, C.long(n)), "ei_x_encode_list_header", v); err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			if err := e.encode(elem(i), depth+1); err != nil {
				return err
			}
		}
	}
	if tail != nil {
		return e.encode(tail, depth+1)
	}
	return e.check(C.ei_x_encode_empty_list(x), "ei_x_encode_empty_list", v)
}

func (e *encoder) atom(a Atom) error {
	if !utf8.ValidString(string(a)) {
		return encodeError(a, "atom text is not UTF-8")
	}
	if n := utf8.RuneCountInString(string(a)); n > 255 {
		return encodeError(a, fmt.Sprintf("atom of %d characters (at most 255)", n))
	}
	b := []byte(a)
	return e.check(C.ei_x_encode_atom_len_as(&e.x, bytesPtr(b), C.int(len(b)), C.ERLANG_UTF8, C.ERLANG_UTF8),
		"ei_x_encode_atom_len_as", a)
}

func (e *encoder) charlist(s Charlist) error {
	latin1 := make([]byte, 0, len(s))
	for _, r := range string(s) {
		if r > 255 {
			latin1 = nil
			break
		}
		latin1 = append(latin1, byte(r))
	}
	if latin1 != nil || len(s) == 0 {
		// Every code point fits a byte: libei's string encoding (STRING_EXT,
		// or a list of small integers when longer than 65535).
		return e.check(C.ei_x_encode_string_len(&e.x, bytesPtr(latin1), C.int(len(latin1))), "ei_x_encode_string_len", s)
	}
	codes := s.Ints()
	if err := e.check(C.ei_x_encode_list_header(&e.x, C.long(len(codes))), "ei_x_encode_list_header", s); err != nil {
		return err
	}
	for _, c := range codes {
		if err := e.check(C.ei_x_encode_long(&e.x, C.long(c)), "ei_x_encode_long", s); err != nil {
			return err
		}
	}
	return e.check(C.ei_x_encode_empty_list(&e.x), "ei_x_encode_empty_list", s)
}

func (e *encoder) bigInt(n *big.Int) error {
	if n.IsInt64() {
		return e.check(C.ei_x_encode_longlong(&e.x, C.longlong(n.Int64())), "ei_x_encode_longlong", n)
	}
	if n.IsUint64() {
		return e.check(C.ei_x_encode_ulonglong(&e.x, C.ulonglong(n.Uint64())), "ei_x_encode_ulonglong", n)
	}
	mag := n.Bytes() // big-endian magnitude, no leading zeros
	b := C.ei_alloc_big(C.uint(len(mag)))
	if b == nil {
		return encodeError(n, "ei_alloc_big failed")
	}
	defer C.ei_free_big(b)
	// Digits are 16-bit, least significant first: byte i of the
	// little-endian magnitude is the low (even i) or high half of digit i/2.
	digits := unsafe.Slice((*uint16)(b.digits), (len(mag)+1)/2)
	for i := range digits {
		digits[i] = 0
	}
	for i := 0; i < len(mag); i++ {
		d := uint16(mag[len(mag)-1-i])
		if i%2 == 1 {
			d <<= 8
		}
		digits[i/2] |= d
	}
	if n.Sign() < 0 {
		b.is_neg = 1
	}
	return e.check(C.ei_x_encode_big(&e.x, b), "ei_x_encode_big", n)
}

func (e *encoder) fun(f Fun) error {
	if f.raw != nil {
		return e.check(C.ei_x_append_buf(&e.x, bytesPtr(f.raw), C.int(len(f.raw))), "ei_x_append_buf", f)
	}
	if !f.IsExport() || f.Module == "" || f.Arity < 0 || f.Arity > 255 {
		return encodeError(f, "only export funs (Module, Function, Arity 0..255) can be built in Go")
	}
	mod := C.CString(string(f.Module))
	defer C.free(unsafe.Pointer(mod))
	fn := C.CString(string(f.Function))
	defer C.free(unsafe.Pointer(fn))
	return e.check(C.gei_x_encode_export(&e.x, mod, fn, C.long(f.Arity)), "ei_x_encode_fun", f)
}
