package ei

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The live tests talk to a real Erlang node. TestMain starts an epmd of
// its own on a free loopback port (ERL_EPMD_PORT, which libei and erl
// read), then a node with a unique name and a random cookie that runs an
// echo process (erlangEcho), and stops exactly these two processes at the
// end. OTP_BIN selects the folder of erl and epmd (default: PATH).
// `go test -short` runs only the tests that need no Erlang.

// live describes the running Erlang node; empty in -short mode.
var live struct {
	node    string // its name, e.g. goei_123_4567@localhost
	cookie  string
	release string // its OTP release, e.g. "25"
}

// erlangEcho is evaluated by the node (-eval): it registers goei_echo,
// which answers
//
//	{echo, From, T}              with {echo, self(), T}
//	{check, From, Text, T}       with {check, T =:= E, E, T}, E the value of
//	                             the Erlang expression Text (a binary), or
//	                             {check, bad_text, Reason, T}
//	{ask_accept, From, Node, Name}
//	                             by spawning a process P that sends
//	                             {hello, P} to {Name, Node}, waits for
//	                             {reply, X} and sends {accept_result, X}
//	                             to From
//
// and prints "goei ready <release>" once registered.
const erlangEcho = `
Eval = fun(Text) ->
    {ok, Toks, _} = erl_scan:string(unicode:characters_to_list(Text)),
    {ok, Exprs} = erl_parse:parse_exprs(Toks),
    {value, V, _} = erl_eval:exprs(Exprs, erl_eval:new_bindings()),
    V
end,
Echo = fun Loop() ->
    receive
        {echo, From, T} ->
            From ! {echo, self(), T};
        {check, From, Text, T} ->
            case catch Eval(Text) of
                {'EXIT', Why} -> From ! {check, bad_text, Why, T};
                E -> From ! {check, T =:= E, E, T}
            end;
        {ask_accept, From, Node, Name} ->
            spawn(fun() ->
                {Name, Node} ! {hello, self()},
                receive {reply, X} -> From ! {accept_result, X}
                after 10000 -> From ! {accept_result, no_reply}
                end
            end);
        _ ->
            ok
    end,
    Loop()
end,
register(goei_echo, spawn(Echo)),
io:format("goei ready ~s~n", [erlang:system_info(otp_release)]).
`

// syncBuffer collects a child's output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// child is a process the tests started.
type child struct {
	name string
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
}

func startChild(name string, env []string, path string, args ...string) (*child, error) {
	c := &child{name: name, cmd: exec.Command(path, args...), out: &syncBuffer{}, done: make(chan struct{})}
	c.cmd.Env = env
	c.cmd.Stdout = c.out
	c.cmd.Stderr = c.out
	c.cmd.SysProcAttr = childAttr()
	if err := c.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		_ = c.cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// stop ends the process: SIGTERM (a node then shuts down cleanly), SIGKILL
// if it is still there after 10 s.
func (c *child) stop() {
	if c.exited() {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// freePort is a TCP port that was free on 127.0.0.1 a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

var nameCounter int64

// uniqueName is a node alive name no other run uses.
func uniqueName(prefix string) string {
	return fmt.Sprintf("%s_%d_%d_%s", prefix, os.Getpid(), atomic.AddInt64(&nameCounter, 1), randomHex(3))
}

func otpTool(tool string) string {
	if bin := os.Getenv("OTP_BIN"); bin != "" {
		return filepath.Join(bin, tool)
	}
	return tool
}

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		os.Exit(m.Run())
	}
	os.Exit(runLive(m))
}

func runLive(m *testing.M) int {
	var children []*child
	defer func() {
		for i := len(children) - 1; i >= 0; i-- {
			children[i].stop()
		}
	}()
	fail := func(format string, args ...any) int {
		fmt.Fprintf(os.Stderr, "live tests: "+format+"\n", args...)
		for _, c := range children {
			fmt.Fprintf(os.Stderr, "--- output of %s:\n%s\n", c.name, c.out)
		}
		return 1
	}

	epmd, port, err := startEpmd()
	if epmd != nil {
		children = append(children, epmd)
	}
	if err != nil {
		return fail("%v (set OTP_BIN to the folder of erl and epmd, or run go test -short)", err)
	}
	os.Setenv("ERL_EPMD_PORT", strconv.Itoa(port))

	live.node = uniqueName("goei_erl") + "@localhost"
	live.cookie = randomHex(16)
	node, err := startChild("erl", os.Environ(), otpTool("erl"),
		"-sname", live.node, "-setcookie", live.cookie, "-start_epmd", "false",
		"-noshell", "-noinput", "-eval", erlangEcho)
	if err != nil {
		return fail("cannot start erl: %v", err)
	}
	children = append(children, node)
	deadline := time.Now().Add(60 * time.Second)
	for {
		out := node.out.String()
		if i := strings.Index(out, "goei ready "); i >= 0 && strings.Contains(out[i:], "\n") {
			live.release = strings.TrimSpace(strings.SplitN(out[i+len("goei ready "):], "\n", 2)[0])
			break
		}
		if node.exited() {
			return fail("erl exited before it was ready")
		}
		if time.Now().After(deadline) {
			return fail("erl was not ready within 60 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	fmt.Printf("live tests: OTP %s node %s, epmd on port %d\n", live.release, live.node, port)

	code := m.Run()
	if code != 0 {
		for _, c := range children {
			fmt.Fprintf(os.Stderr, "--- output of %s:\n%s\n", c.name, c.out)
		}
	}
	return code
}

// startEpmd starts epmd on a free loopback port (retrying if another
// program takes the port first) and waits until it answers.
func startEpmd() (*child, int, error) {
	env := append(os.Environ(), "ERL_EPMD_ADDRESS=127.0.0.1")
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, 0, err
		}
		c, err := startChild("epmd", env, otpTool("epmd"), "-port", strconv.Itoa(port), "-address", "127.0.0.1")
		if err != nil {
			return nil, 0, fmt.Errorf("cannot start epmd: %w", err)
		}
		for i := 0; i < 100 && !c.exited(); i++ {
			names := exec.Command(otpTool("epmd"), "-port", strconv.Itoa(port), "-names")
			names.Env = env
			if names.Run() == nil {
				return c, port, nil
			}
			time.Sleep(100 * time.Millisecond)
		}
		c.stop()
		lastErr = fmt.Errorf("epmd did not start on port %d: %s", port, c.out)
	}
	return nil, 0, lastErr
}
