package ei

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestNewNode(t *testing.T) {
	n, err := NewNode("goei_x@somehost", "cookie", 7)
	if err != nil {
		t.Fatalf("NewNode: %v", err)
	}
	if n.Name() != "goei_x@somehost" {
		t.Errorf("Name() = %q", n.Name())
	}
	if self := n.Self(); self.Node != "goei_x@somehost" {
		t.Errorf("Self() = %#v", self)
	}
	n.Close()
	if n.Name() != "" {
		t.Errorf("Name() of a closed node = %q", n.Name())
	}
	if _, err := n.Listen(0); !errors.Is(err, ErrClosed) {
		t.Errorf("Listen on a closed node: %v", err)
	}

	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	n, err = NewNode("plain", "cookie", 0)
	if err != nil {
		t.Fatalf("NewNode without a host: %v", err)
	}
	defer n.Close()
	short := strings.SplitN(host, ".", 2)[0]
	if name := n.Name(); name != "plain@"+short && name != "plain@"+host {
		t.Errorf("Name() = %q, want plain@%s", name, short)
	}

	for _, bad := range []struct{ name, cookie string }{
		{strings.Repeat("a", 300) + "@host", "cookie"},
		{"x@" + strings.Repeat("h", 300), "cookie"},
		{"nul\x00@host", "cookie"},
		{"x@host", "nul\x00"},
	} {
		if n, err := NewNode(bad.name, bad.cookie, 0); err == nil {
			n.Close()
			t.Errorf("NewNode(%q, %q) succeeded", bad.name, bad.cookie)
		} else if _, ok := err.(*Error); !ok {
			t.Errorf("NewNode(%q): %v is not an *Error", bad.name, err)
		}
	}
}
