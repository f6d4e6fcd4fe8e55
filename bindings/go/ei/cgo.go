package ei

/*
#cgo LDFLAGS: -lei
#include "gei.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"syscall"
	"time"
	"unsafe"
)

func init() {
	// ei_init always succeeds in ei-rs; libei requires the call.
	C.ei_init()
}

// Return codes of the connection functions (ei.h).
const (
	codeError       = int(C.ERL_ERROR)
	codeNoDaemon    = int(C.ERL_NO_DAEMON)
	codeNoPort      = int(C.ERL_NO_PORT)
	codeConnectFail = int(C.ERL_CONNECT_FAIL)
	codeTimeout     = int(C.ERL_TIMEOUT)
)

// ErrTimeout is matched (errors.Is) by every error that reports an expired
// timeout: no message within Receive's timeout, no rpc reply in time, a
// connection or accept that did not complete in time.
var ErrTimeout = errors.New("ei: timed out")

// ErrClosed is returned by operations on a closed Node, Conn or Listener.
var ErrClosed = errors.New("ei: use of closed handle")

// Error is the error of a failed libei call, or of a value Encode cannot
// represent. Errno is the library's erl_errno after the call (0 when the
// failure did not come from the library), Code the call's return code.
type Error struct {
	Op    string        // what failed, e.g. "connect to foo@host"
	Func  string        // the libei function, e.g. "ei_connect_tmo" (empty if none)
	Code  int           // its return value (ERL_ERROR, ERL_TIMEOUT, ...)
	Errno syscall.Errno // erl_errno
	Msg   string        // extra detail
}

func (e *Error) Error() string {
	s := "ei: " + e.Op
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Func != "" {
		s += fmt.Sprintf(" (%s returned %d%s", e.Func, e.Code, codeName(e.Code))
		if e.Errno != 0 {
			s += fmt.Sprintf(", erl_errno %d: %s", int(e.Errno), e.Errno.Error())
		}
		s += ")"
	}
	return s
}

// Unwrap gives the erl_errno value, so errors.Is(err, syscall.EACCES) etc.
// work.
func (e *Error) Unwrap() error {
	if e.Errno == 0 {
		return nil
	}
	return e.Errno
}

// Timeout reports whether the call failed because its timeout expired.
func (e *Error) Timeout() bool {
	return e.Code == codeTimeout || e.Errno == syscall.ETIMEDOUT
}

// Is makes errors.Is(err, ErrTimeout) true for timeouts.
func (e *Error) Is(target error) bool {
	return target == ErrTimeout && e.Timeout()
}

func codeName(code int) string {
	switch code {
	case codeError:
		return " ERL_ERROR"
	case codeNoDaemon:
		return " ERL_NO_DAEMON"
	case codeNoPort:
		return " ERL_NO_PORT"
	case codeConnectFail:
		return " ERL_CONNECT_FAIL"
	case codeTimeout:
		return " ERL_TIMEOUT"
	}
	return ""
}

// callError builds the error of a failed call; the caller must still be on
// the OS thread that made it.
func callError(op, fn string, rc C.int) *Error {
	return &Error{Op: op, Func: fn, Code: int(rc), Errno: syscall.Errno(C.gei_errno())}
}

// msTimeout converts a timeout for the _tmo functions: 0 means no limit;
// otherwise at least 1 ms, rounded up.
func msTimeout(d time.Duration) C.uint {
	if d <= 0 {
		return 0
	}
	ms := (d + time.Millisecond - 1) / time.Millisecond
	if ms >= 1<<32-1 {
		ms = 1<<32 - 2
	}
	return C.uint(ms)
}

// bytesPtr points at b's first byte (Go memory without pointers, which C
// may read during the call), or at a static byte when b is empty.
func bytesPtr(b []byte) *C.char {
	if len(b) == 0 {
		return C.gei_empty_ptr()
	}
	return (*C.char)(unsafe.Pointer(&b[0]))
}

// setCString copies s into dst with a NUL after it; false if s does not
// fit or contains a NUL.
func setCString(dst []C.char, s string) bool {
	if len(s) >= len(dst) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return false
		}
		dst[i] = C.char(s[i])
	}
	dst[len(s)] = 0
	return true
}

// goString is the text of a NUL-terminated C char array.
func goString(src []C.char) string {
	n := 0
	for n < len(src) && src[n] != 0 {
		n++
	}
	b := make([]byte, n)
	for i := 0; i < n; i++ {
		b[i] = byte(src[i])
	}
	return string(b)
}
