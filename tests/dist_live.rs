//! The Rust API (`ei::dist::Node`, `ei::epmd`) against a live Erlang node
//! and a live epmd that this test starts on a free loopback port and stops.
//! `erl` and `epmd` must be on PATH (scripts/test.sh installs them).

use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use ei::dist::{Error, Node, Received};
use ei::epmd;
use ei::etf::Term;

struct Kill(Vec<Child>);

impl Drop for Kill {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn spawn(cmd: &mut Command) -> Child {
    cmd.stdin(Stdio::null()).spawn().unwrap_or_else(|e| {
        panic!("cannot run {cmd:?} (install Erlang: scripts/test.sh does): {e}")
    })
}

const ECHO: &str =
    "register(echo, spawn(fun Loop() -> receive {P, M} -> P ! {echo, M}, Loop() end end))";

#[test]
fn rust_node_talks_to_a_live_erlang_node() {
    let port = free_port();
    // Every test in this binary shares ERL_EPMD_PORT; this is the only test.
    std::env::set_var("ERL_EPMD_PORT", port.to_string());
    let mut procs = Kill(vec![spawn(Command::new("epmd").args([
        "-port",
        &port.to_string(),
        "-address",
        "127.0.0.1",
    ]))]);
    let alive = format!("rs_live_{}", std::process::id());
    let cookie = format!("c{}", std::process::id());
    let node_name = format!("{alive}@localhost");
    procs.0.push(spawn(Command::new("erl").args([
        "-sname",
        &node_name,
        "-setcookie",
        &cookie,
        "-start_epmd",
        "false",
        "-noshell",
        "-noinput",
        "-eval",
        ECHO,
    ])));
    let t0 = Instant::now();
    let localhost = IpAddr::V4(Ipv4Addr::LOCALHOST);
    while epmd::port_please(localhost, &alive, Some(Duration::from_secs(1))).is_err() {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "the Erlang node did not register"
        );
        sleep(Duration::from_millis(100));
    }
    assert!(epmd::names(localhost, None)
        .unwrap()
        .iter()
        .any(|(n, _)| n == &alive));
    sleep(Duration::from_millis(300)); // let -eval register the echo process

    // Unknown node and wrong cookie are errors, not hangs.
    let me = Node::new(
        &format!("rs_me_{}@localhost", std::process::id()),
        cookie.as_bytes(),
        1,
    )
    .unwrap();
    assert!(me
        .connect("nosuchnode@localhost", Some(Duration::from_secs(5)))
        .is_err());
    let wrong = Node::new("rs_wrong@localhost", b"not-the-cookie", 1).unwrap();
    assert!(wrong
        .connect(&node_name, Some(Duration::from_secs(5)))
        .is_err());

    let mut conn = me
        .connect(&node_name, Some(Duration::from_secs(10)))
        .unwrap();
    assert_eq!(conn.peer().name, node_name);
    let sent = Term::Tuple(vec![
        Term::Atom("hello".into()),
        Term::Binary(vec![7; 100_000]),
        Term::List(vec![Term::Integer(1), Term::Float(2.5)]),
    ]);
    let msg = Term::Tuple(vec![Term::Pid(me.pid()), sent.clone()])
        .to_external()
        .unwrap();
    conn.send_to_name(&me.pid(), "echo", &msg, None).unwrap();
    let mut buf = Vec::new();
    let echo_pid = loop {
        match conn
            .receive(&mut buf, Some(Duration::from_secs(10)))
            .unwrap()
        {
            Received::Tick => continue,
            Received::Message { control, .. } => break control.from,
        }
    };
    assert!(echo_pid.is_none(), "a SEND has no sender");
    assert_eq!(
        Term::from_external(&buf).unwrap(),
        Term::Tuple(vec![Term::Atom("echo".into()), sent])
    );

    // Nothing more arrives: the timeout is a timeout.
    match conn.receive(&mut buf, Some(Duration::from_millis(300))) {
        Err(e) => assert!(e.is_timeout(), "{e:?}"),
        Ok(Received::Tick) => {}
        Ok(r) => panic!("unexpected {r:?}"),
    }

    // The node dies: the receive fails promptly.
    let node = procs.0.remove(1);
    drop(Kill(vec![node]));
    let t0 = Instant::now();
    loop {
        match conn.receive(&mut buf, Some(Duration::from_secs(10))) {
            Ok(Received::Tick) => continue,
            Err(Error::Closed) | Err(Error::Io(_)) => break,
            other => panic!("after the node died: {other:?}"),
        }
    }
    assert!(t0.elapsed() < Duration::from_secs(5));
}
