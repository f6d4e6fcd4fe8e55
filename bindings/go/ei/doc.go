// Package ei binds libei, Erlang's erl_interface library as ei-rs builds it,
// through cgo: the external term format (Encode, Decode) and C nodes that
// connect to Erlang nodes (Node.Connect), accept their connections
// (Node.Listen, Listener.Publish, Listener.Accept), send and receive
// messages and call functions on them (Conn.Send, Conn.Receive, Conn.RPC).
//
// Terms are encoded and decoded by the library's ei_x_encode_* and
// ei_decode_* functions; connections, handshakes, ticks and rpc are the
// library's too. See Encode and Decode for how Go values map to Erlang
// terms.
//
// Building needs ei.h and libei: set CGO_CFLAGS=-I<ei-rs>/include and
// CGO_LDFLAGS="-L<ei-rs>/target/release -Wl,-rpath,<ei-rs>/target/release"
// (the package links with -lei).
//
// Failed library calls return *Error, which carries the call's return code
// and erl_errno; timeouts match ErrTimeout.
package ei
