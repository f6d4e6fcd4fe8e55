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
	"syscall"
	"time"
	"unsafe"
)

// handshakeHint explains libei's EIO from a connect or accept: the
// distribution handshake failed (libei does not say why).
const handshakeHint = "the handshake failed or the peer closed the connection " +
	"(wrong cookie? name already connected? EI_TRACELEVEL=1 prints the reason)"

// Node is a C node's identity (libei's ei_cnode, kept in C memory): its
// name, cookie and creation. It connects to Erlang nodes (Connect) and
// accepts their connections (Listen). A Node's methods may be called from
// several goroutines; each connection and listener gets its own copy of the
// ei_cnode, so nothing is shared between them.
type Node struct {
	mu sync.Mutex
	ec *C.ei_cnode
}

// NewNode makes a node named name ("alive@host", or "alive" for
// alive@<this host's name>) with the given cookie. creation distinguishes
// incarnations of the same name (0 lets the library pick one).
func NewNode(name, cookie string, creation uint32) (*Node, error) {
	if strings.IndexByte(name, 0) >= 0 || strings.IndexByte(cookie, 0) >= 0 {
		return nil, &Error{Op: "new node", Msg: "name and cookie cannot contain NUL"}
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ec := (*C.ei_cnode)(C.calloc(1, C.sizeof_ei_cnode))
	if ec == nil {
		return nil, &Error{Op: "new node", Msg: "out of memory"}
	}
	cookieC := C.CString(cookie)
	defer C.free(unsafe.Pointer(cookieC))
	var rc C.int
	var fn string
	if alive, host, ok := strings.Cut(name, "@"); ok {
		aliveC, hostC, nameC := C.CString(alive), C.CString(host), C.CString(name)
		defer C.free(unsafe.Pointer(aliveC))
		defer C.free(unsafe.Pointer(hostC))
		defer C.free(unsafe.Pointer(nameC))
		fn = "ei_connect_xinit"
		rc = C.ei_connect_xinit(ec, hostC, aliveC, nameC, nil, cookieC, C.uint(creation))
	} else {
		nameC := C.CString(name)
		defer C.free(unsafe.Pointer(nameC))
		fn = "ei_connect_init"
		rc = C.ei_connect_init(ec, nameC, cookieC, C.uint(creation))
	}
	if rc < 0 {
		err := callError("new node "+name, fn, rc)
		C.free(unsafe.Pointer(ec))
		return nil, err
	}
	return &Node{ec: ec}, nil
}

// Name is the node's full name, alive@host.
func (n *Node) Name() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ec == nil {
		return ""
	}
	return C.GoString(C.ei_thisnodename(n.ec))
}

// Self is the node's own pid (ei_self): the sender of what it sends and the
// pid Erlang processes reply to.
func (n *Node) Self() Pid {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ec == nil {
		return Pid{}
	}
	return goPid(C.ei_self(n.ec))
}

// Close releases the node. Connections and listeners made from it stay
// usable.
func (n *Node) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ec != nil {
		C.free(unsafe.Pointer(n.ec))
		n.ec = nil
	}
	return nil
}

// copyEC returns a private copy of the node's ei_cnode, in C memory.
func (n *Node) copyEC() (*C.ei_cnode, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ec == nil {
		return nil, ErrClosed
	}
	ec := (*C.ei_cnode)(C.malloc(C.sizeof_ei_cnode))
	if ec == nil {
		return nil, &Error{Op: "copy node", Msg: "out of memory"}
	}
	C.memcpy(unsafe.Pointer(ec), unsafe.Pointer(n.ec), C.sizeof_ei_cnode)
	return ec, nil
}

// Connect connects to the Erlang node peer ("name@host"), found through
// epmd (on ERL_EPMD_PORT if set), and runs the distribution handshake.
// timeout bounds the whole of it; 0 means no limit.
func (n *Node) Connect(peer string, timeout time.Duration) (*Conn, error) {
	if strings.IndexByte(peer, 0) >= 0 {
		return nil, &Error{Op: "connect", Msg: "node name contains NUL"}
	}
	ec, err := n.copyEC()
	if err != nil {
		return nil, err
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	peerC := C.CString(peer)
	defer C.free(unsafe.Pointer(peerC))
	fd := C.ei_connect_tmo(ec, peerC, msTimeout(timeout))
	if fd < 0 {
		err := callError("connect to "+peer, "ei_connect_tmo", fd)
		switch {
		case err.Timeout():
			err.Msg = fmt.Sprintf("not connected within %v", timeout)
		case err.Errno == syscall.EIO:
			err.Msg = handshakeHint
		case err.Code == codeNoPort:
			err.Msg = "epmd does not know the node"
		case err.Code == codeNoDaemon:
			err.Msg = "no epmd"
		}
		C.free(unsafe.Pointer(ec))
		return nil, err
	}
	return &Conn{fd: fd, ec: ec, peer: peer}, nil
}

// Listen opens a listening socket on port (0: any free port) for other
// nodes to connect to; Publish registers it with epmd.
func (n *Node) Listen(port int) (*Listener, error) {
	ec, err := n.copyEC()
	if err != nil {
		return nil, err
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	p := C.int(port)
	fd := C.ei_listen(ec, &p, 5)
	if fd < 0 {
		err := callError(fmt.Sprintf("listen on port %d", port), "ei_listen", fd)
		C.free(unsafe.Pointer(ec))
		return nil, err
	}
	return &Listener{ec: ec, fd: fd, port: int(p), pubfd: -1}, nil
}

// Listener accepts connections from other nodes. Its methods run one at a
// time: Close waits for a pending Accept.
type Listener struct {
	mu    sync.Mutex
	ec    *C.ei_cnode
	fd    C.int
	port  int
	pubfd C.int
}

// Port is the TCP port the listener is bound to.
func (l *Listener) Port() int { return l.port }

// Publish registers the node's name and the listener's port with epmd, so
// that Erlang nodes can connect by name. The registration lasts until
// Close.
func (l *Listener) Publish(timeout time.Duration) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ec == nil {
		return ErrClosed
	}
	if l.pubfd >= 0 {
		return &Error{Op: "publish", Msg: "already published"}
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	fd := C.ei_publish_tmo(l.ec, C.int(l.port), msTimeout(timeout))
	if fd < 0 {
		return callError(fmt.Sprintf("publish %s on port %d", C.GoString(C.ei_thisalivename(l.ec)), l.port), "ei_publish_tmo", fd)
	}
	l.pubfd = fd
	return nil
}

// Accept waits for a node to connect (at most timeout; 0 means no limit)
// and runs the handshake, which checks the peer's cookie.
func (l *Listener) Accept(timeout time.Duration) (*Conn, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ec == nil {
		return nil, ErrClosed
	}
	ec := (*C.ei_cnode)(C.malloc(C.sizeof_ei_cnode))
	if ec == nil {
		return nil, &Error{Op: "accept", Msg: "out of memory"}
	}
	C.memcpy(unsafe.Pointer(ec), unsafe.Pointer(l.ec), C.sizeof_ei_cnode)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var peer C.ErlConnect
	fd := C.ei_accept_tmo(ec, l.fd, &peer, msTimeout(timeout))
	if fd < 0 {
		err := callError("accept", "ei_accept_tmo", fd)
		if err.Timeout() {
			err.Msg = fmt.Sprintf("no connection within %v", timeout)
		} else if err.Errno == syscall.EIO {
			err.Msg = handshakeHint
		}
		C.free(unsafe.Pointer(ec))
		return nil, err
	}
	return &Conn{fd: fd, ec: ec, peer: goString(peer.nodename[:])}, nil
}

// Close stops listening and removes the epmd registration.
func (l *Listener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ec == nil {
		return nil
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var err error
	if l.pubfd >= 0 {
		C.gei_close_fd(l.pubfd)
		l.pubfd = -1
	}
	if rc := C.ei_close_connection(l.fd); rc < 0 {
		err = callError("close listener", "ei_close_connection", rc)
	}
	C.free(unsafe.Pointer(l.ec))
	l.ec = nil
	return err
}
