package ei_test

import (
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/ei-rs/ei-rs/bindings/go/ei"
)

func ExampleEncode() {
	data, err := ei.Encode(ei.Tuple{ei.Atom("ok"), 42, "text", []any{1.5}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(data)
	v, err := ei.Decode(data)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%#v\n", v)
	// Output:
	// [131 104 4 119 2 111 107 97 42 109 0 0 0 4 116 101 120 116 108 0 0 0 1 70 63 248 0 0 0 0 0 0 106]
	// ei.Tuple{"ok", 42, []uint8{0x74, 0x65, 0x78, 0x74}, []interface {}{1.5}}
}

// A C node that calls a function on an Erlang node, sends a message to a
// registered process and waits for an answer.
func ExampleNode_Connect() {
	node, err := ei.NewNode("gonode@localhost", "secret", 0)
	if err != nil {
		log.Fatal(err)
	}
	defer node.Close()
	conn, err := node.Connect("erl@localhost", 5*time.Second)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()

	reply, err := conn.RPC("lists", "reverse", []any{[]any{ei.Atom("a"), ei.Atom("b")}}, 5*time.Second)
	var bad *ei.RPCError
	if errors.As(err, &bad) {
		log.Fatalf("the call failed on the node: %v", bad.Reason)
	} else if err != nil {
		log.Fatal(err)
	}
	fmt.Println(reply) // [b a]

	if err := conn.Send(ei.Atom("my_server"), ei.Tuple{ei.Atom("hello"), conn.Self()}); err != nil {
		log.Fatal(err)
	}
	msg, err := conn.Receive(5 * time.Second)
	if errors.Is(err, ei.ErrTimeout) {
		log.Fatal("no answer")
	} else if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%v from %v: %v\n", msg.Type, msg.From, msg.Value)
}

// A C node that Erlang nodes connect to, as {Name, 'gonode@localhost'}.
func ExampleListener_Accept() {
	node, err := ei.NewNode("gonode@localhost", "secret", 0)
	if err != nil {
		log.Fatal(err)
	}
	l, err := node.Listen(0)
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	if err := l.Publish(5 * time.Second); err != nil {
		log.Fatal(err)
	}
	for {
		conn, err := l.Accept(0)
		if err != nil {
			log.Fatal(err)
		}
		go func() {
			defer conn.Close()
			for {
				m, err := conn.Receive(0)
				if err != nil {
					return
				}
				if t, ok := m.Value.(ei.Tuple); ok && len(t) == 2 && t[0] == ei.Atom("ping") {
					if from, ok := t[1].(ei.Pid); ok {
						_ = conn.Send(from, ei.Atom("pong"))
					}
				}
			}
		}()
	}
}
