package ei

/*
#include "gei.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// MsgType is the kind of a received message (erlang_msg.msgtype).
type MsgType int

// Message kinds, as ei.h numbers them.
const (
	MsgLink        MsgType = C.ERL_LINK
	MsgSend        MsgType = C.ERL_SEND
	MsgExit        MsgType = C.ERL_EXIT
	MsgUnlink      MsgType = C.ERL_UNLINK
	MsgRegSend     MsgType = C.ERL_REG_SEND
	MsgGroupLeader MsgType = C.ERL_GROUP_LEADER
	MsgExit2       MsgType = C.ERL_EXIT2
	MsgMonitor     MsgType = C.ERL_MONITOR_P
	MsgDemonitor   MsgType = C.ERL_DEMONITOR_P
	MsgMonitorExit MsgType = C.ERL_MONITOR_P_EXIT
)

func (t MsgType) String() string {
	switch t {
	case MsgLink:
		return "LINK"
	case MsgSend:
		return "SEND"
	case MsgExit:
		return "EXIT"
	case MsgUnlink:
		return "UNLINK"
	case MsgRegSend:
		return "REG_SEND"
	case MsgGroupLeader:
		return "GROUP_LEADER"
	case MsgExit2:
		return "EXIT2"
	case MsgMonitor:
		return "MONITOR_P"
	case MsgDemonitor:
		return "DEMONITOR_P"
	case MsgMonitorExit:
		return "MONITOR_P_EXIT"
	}
	return fmt.Sprintf("MsgType(%d)", int(t))
}

// Message is what Receive returns: a message sent to the C node (MsgSend
// to a pid, MsgRegSend to a registered name, ToName) with its term in
// Value, or a signal (link, exit, monitor) whose From and To say who sent
// it to whom; exit signals carry their reason in Value.
type Message struct {
	Type   MsgType
	From   Pid    // the sender, when the protocol says (MsgRegSend, signals)
	To     Pid    // the addressee pid (MsgSend, signals)
	ToName string // the registered name it was sent to (MsgRegSend)
	Value  any    // the decoded term; nil when the message has none
	Raw    []byte // the encoded term as received (with its version byte)
}

// Conn is a connection to another node. Its methods may be called from
// several goroutines but run one at a time (a Receive that waits blocks a
// Send until it returns); use one Conn per goroutine for parallel work.
type Conn struct {
	mu      sync.Mutex
	fd      C.int
	ec      *C.ei_cnode
	peer    string
	pending []Message // messages that arrived while RPC waited for its reply
}

// Peer is the name of the node at the other end.
func (c *Conn) Peer() string { return c.peer }

// Self is the C node's pid on this connection (where replies go).
func (c *Conn) Self() Pid {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ec == nil {
		return Pid{}
	}
	return goPid(C.ei_self(c.ec))
}

// Close closes the connection.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ec == nil {
		return nil
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var err error
	if rc := C.ei_close_connection(c.fd); rc < 0 {
		err = callError("close connection to "+c.peer, "ei_close_connection", rc)
	}
	C.free(unsafe.Pointer(c.ec))
	c.ec = nil
	return err
}

// Send sends value to a process on the peer: to is a Pid, or the name
// (Atom or string) a process is registered under on the peer node.
func (c *Conn) Send(to any, value any) error {
	payload, err := Encode(value)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ec == nil {
		return ErrClosed
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var name string
	switch t := to.(type) {
	case Pid:
		p, ok := cPid(t)
		if !ok {
			return &Error{Op: "send", Msg: fmt.Sprintf("bad pid node name %q", t.Node)}
		}
		if rc := C.ei_send(c.fd, &p, bytesPtr(payload), C.int(len(payload))); rc < 0 {
			return callError(fmt.Sprintf("send to %v", t), "ei_send", rc)
		}
		return nil
	case Atom:
		name = string(t)
	case string:
		name = t
	default:
		return &Error{Op: "send", Msg: fmt.Sprintf("cannot send to a %T (want Pid, Atom or string)", to)}
	}
	if name == "" || strings.IndexByte(name, 0) >= 0 {
		return &Error{Op: "send", Msg: fmt.Sprintf("bad registered name %q", name)}
	}
	nameC := C.CString(name)
	defer C.free(unsafe.Pointer(nameC))
	if rc := C.ei_reg_send(c.ec, c.fd, nameC, bytesPtr(payload), C.int(len(payload))); rc < 0 {
		return callError(fmt.Sprintf("send to %s on %s", name, c.peer), "ei_reg_send", rc)
	}
	return nil
}

// Receive returns the next message, waiting at most timeout (0 or less:
// without limit). Ticks (the keep-alives of the distribution) are answered
// and never returned. A timeout fails with an error that matches
// ErrTimeout; the connection stays usable.
func (c *Conn) Receive(timeout time.Duration) (Message, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ec == nil {
		return Message{}, ErrClosed
	}
	if len(c.pending) > 0 {
		m := c.pending[0]
		c.pending = c.pending[1:]
		return m, nil
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		ms := C.uint(0)
		if timeout > 0 {
			left := time.Until(deadline)
			if left <= 0 {
				return Message{}, &Error{Op: "receive from " + c.peer, Code: codeTimeout,
					Msg: fmt.Sprintf("no message within %v", timeout)}
			}
			ms = msTimeout(left)
		}
		var msg C.erlang_msg
		var x C.ei_x_buff
		if rc := C.ei_x_new(&x); rc < 0 {
			return Message{}, callError("receive", "ei_x_new", rc)
		}
		rc := C.ei_xreceive_msg_tmo(c.fd, &msg, &x, ms)
		if rc == C.ERL_TICK {
			C.ei_x_free(&x)
			continue
		}
		if rc != C.ERL_MSG {
			err := callError("receive from "+c.peer, "ei_xreceive_msg_tmo", rc)
			C.ei_x_free(&x)
			if err.Timeout() {
				err.Msg = fmt.Sprintf("no message within %v", timeout)
			}
			return Message{}, err
		}
		m, err := makeMessage(&msg, &x)
		C.ei_x_free(&x)
		return m, err
	}
}

// makeMessage converts a received envelope and payload; the payload is
// decoded if there is one.
func makeMessage(msg *C.erlang_msg, x *C.ei_x_buff) (Message, error) {
	m := Message{
		Type:   MsgType(msg.msgtype),
		From:   goPid(&msg.from),
		To:     goPid(&msg.to),
		ToName: goString(msg.toname[:]),
	}
	if x.index > 0 && x.buff != nil {
		m.Raw = C.GoBytes(unsafe.Pointer(x.buff), x.index)
		v, err := decodeTerm(m.Raw, m.Raw[0] == 131)
		if err != nil {
			return m, fmt.Errorf("ei: receive: undecodable %v message: %w", m.Type, err)
		}
		m.Value = v
	}
	return m, nil
}

// RPCError is the {badrpc, Reason} answer of an rpc: the call failed on the
// peer (an exception, an unknown function, ...).
type RPCError struct {
	Module, Function string
	Reason           any
}

func (e *RPCError) Error() string {
	return fmt.Sprintf("ei: rpc %s:%s: badrpc: %v", e.Module, e.Function, e.Reason)
}

// RPC calls Module:Function(Args...) on the peer (through its rex server,
// like rpc:call) and returns the result, waiting at most timeout (0 or
// less: without limit). A call that fails on the peer returns an
// *RPCError. Other messages that arrive first are kept for Receive.
//
// The rex protocol has no request identifier: after an RPC timed out, its
// late reply would be taken as the answer of the next RPC on the same
// connection; close the connection instead of reusing it.
func (c *Conn) RPC(module, function string, args []any, timeout time.Duration) (any, error) {
	if args == nil {
		args = []any{}
	}
	argBuf, err := encodeTerm(args, false)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ec == nil {
		return nil, ErrClosed
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	op := fmt.Sprintf("rpc %s:%s on %s", module, function, c.peer)
	modC, funC := C.CString(module), C.CString(function)
	defer C.free(unsafe.Pointer(modC))
	defer C.free(unsafe.Pointer(funC))
	if rc := C.ei_rpc_to(c.ec, c.fd, modC, funC, bytesPtr(argBuf), C.int(len(argBuf))); rc < 0 {
		return nil, callError(op, "ei_rpc_to", rc)
	}
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		ms := C.int(-1)
		if timeout > 0 {
			left := time.Until(deadline)
			if left <= 0 {
				return nil, &Error{Op: op, Code: codeTimeout, Msg: fmt.Sprintf("no reply within %v", timeout)}
			}
			ms = C.int(msTimeout(left))
		}
		var msg C.erlang_msg
		var x C.ei_x_buff
		if rc := C.ei_x_new(&x); rc < 0 {
			return nil, callError(op, "ei_x_new", rc)
		}
		rc := C.ei_rpc_from(c.ec, c.fd, ms, &msg, &x)
		if rc == C.ERL_TICK {
			C.ei_x_free(&x)
			continue
		}
		if rc != C.ERL_MSG {
			err := callError(op, "ei_rpc_from", rc)
			C.ei_x_free(&x)
			if err.Timeout() {
				err.Msg = fmt.Sprintf("no reply within %v", timeout)
			}
			return nil, err
		}
		m, err := makeMessage(&msg, &x)
		C.ei_x_free(&x)
		if err != nil {
			return nil, err
		}
		if t, ok := m.Value.(Tuple); ok && m.Type == MsgSend && len(t) == 2 && t[0] == Atom("rex") {
			if bad, ok := t[1].(Tuple); ok && len(bad) == 2 && bad[0] == Atom("badrpc") {
				return nil, &RPCError{Module: module, Function: function, Reason: bad[1]}
			}
			return t[1], nil
		}
		c.pending = append(c.pending, m)
	}
}
