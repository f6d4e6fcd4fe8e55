/*
 * cnode_cxx: a C node written in C++17 that connects to an Erlang node.
 *
 *   cnode_cxx ERLANG_NODE COOKIE [THIS_NODE]
 *
 * The Erlang side is the one of cnode_client (examples/cnode_demo.erl:
 * cnode_demo:start_echo/1 registers an echo process as cnode_echo), and
 * `cnode_demo.sh client` drives both programs.  This one
 *
 *   1. connects as THIS_NODE (default cxx_<pid>@<ERLANG_NODE's host>);
 *   2. sends {echo, Self, Term} to the registered name cnode_echo and checks
 *      the reply {echo, EchoPid, Term} field by field;
 *   3. sends {call, Self, Ref, Request} to EchoPid and waits for
 *      {reply, Ref, Answer}: the node's OTP release, then how Erlang prints
 *      (io_lib:format("~w")) a term encoded here.
 *
 * The ei resources are held by small RAII classes (ei::Buffer for ei_x_buff,
 * ei::Connection for the socket), failures are exceptions, and a receive
 * that times out is an empty std::optional.  Exits 0 if everything worked,
 * 1 otherwise (with a message on stderr), 2 on bad arguments.
 */
#include <ei.h>

#include <arpa/inet.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace ei {

using namespace std::chrono_literals;

// A failed ei call, with the erl_errno it left (and a hint for the user).
class Error : public std::runtime_error {
public:
    explicit Error(const std::string &call, int err = erl_errno, const std::string &hint = "")
        : std::runtime_error(call + " failed (erl_errno " + std::to_string(err) + ": " +
                             std::strerror(err) + ")" + (hint.empty() ? "" : "; " + hint)),
          errno_(err)
    {
    }
    int erl_errno_value() const noexcept { return errno_; }

private:
    int errno_;
};

// A message that is not what the protocol says it should be.
class ProtocolError : public std::runtime_error {
    using std::runtime_error::runtime_error;
};

inline int check(int rc, const char *what)
{
    if (rc < 0)
        throw Error(what);
    return rc;
}

// An ei_x_buff that frees itself.  Encoders append and return *this, so a
// term reads left to right: Buffer().tuple(2).atom("ok").integer(42).
class Buffer {
public:
    // With the version byte a message needs, or without (a term to append).
    enum class Kind { message, term };

    explicit Buffer(Kind kind = Kind::message)
    {
        check(kind == Kind::message ? ei_x_new_with_version(&x_) : ei_x_new(&x_), "ei_x_new");
    }
    ~Buffer()
    {
        if (x_.buff)
            ei_x_free(&x_);
    }
    Buffer(Buffer &&other) noexcept : x_(std::exchange(other.x_, ei_x_buff{})) {}
    Buffer &operator=(Buffer &&other) noexcept
    {
        if (this != &other) {
            if (x_.buff)
                ei_x_free(&x_);
            x_ = std::exchange(other.x_, ei_x_buff{});
        }
        return *this;
    }
    Buffer(const Buffer &) = delete;
    Buffer &operator=(const Buffer &) = delete;

    Buffer &tuple(int arity) { return put(ei_x_encode_tuple_header(&x_, arity), "tuple"); }
    Buffer &list(int length) { return put(ei_x_encode_list_header(&x_, length), "list"); }
    Buffer &nil() { return put(ei_x_encode_empty_list(&x_), "[]"); }
    Buffer &atom(std::string_view a)
    {
        return put(ei_x_encode_atom_len(&x_, a.data(), static_cast<int>(a.size())), "atom");
    }
    Buffer &string(std::string_view s)
    {
        return put(ei_x_encode_string_len(&x_, s.data(), static_cast<int>(s.size())), "string");
    }
    Buffer &binary(std::string_view b)
    {
        return put(ei_x_encode_binary(&x_, b.data(), static_cast<int>(b.size())), "binary");
    }
    Buffer &integer(long long v) { return put(ei_x_encode_longlong(&x_, v), "integer"); }
    Buffer &uinteger(unsigned long long v) { return put(ei_x_encode_ulonglong(&x_, v), "integer"); }
    Buffer &real(double v) { return put(ei_x_encode_double(&x_, v), "float"); }
    Buffer &pid(const erlang_pid &p) { return put(ei_x_encode_pid(&x_, &p), "pid"); }
    Buffer &ref(const erlang_ref &r) { return put(ei_x_encode_ref(&x_, &r), "ref"); }
    // Appends a term built separately (a Buffer of Kind::term).
    Buffer &append(const Buffer &term) { return put(ei_x_append(&x_, &term.x_), "append"); }

    const char *data() const noexcept { return x_.buff; }
    int size() const noexcept { return x_.index; }
    ei_x_buff *raw() noexcept { return &x_; }

private:
    Buffer &put(int rc, const char *what)
    {
        check(rc, (std::string("encoding ") + what).c_str());
        return *this;
    }

    ei_x_buff x_{};
};

// The term at buf[index] as ei_s_print_term prints it.
inline std::string print(const char *buf, int index)
{
    char *s = nullptr;
    int rc = ei_s_print_term(&s, buf, &index);
    std::unique_ptr<char, decltype(&std::free)> owned(s, &std::free);
    if (rc < 0)
        return "<unprintable term>";
    return owned.get();
}

// Decodes a received message term by term; any mismatch is a ProtocolError
// that shows the whole message.
class Reader {
public:
    explicit Reader(const Buffer &message) : buf_(message.data())
    {
        int version;
        if (ei_decode_version(buf_, &index_, &version) < 0)
            throw ProtocolError("a message without a version byte");
        start_ = index_;
    }

    void tuple(int arity)
    {
        int got;
        if (ei_decode_tuple_header(buf_, &index_, &got) < 0 || got != arity)
            fail("a tuple of " + std::to_string(arity));
    }
    int list()
    {
        int length;
        if (ei_decode_list_header(buf_, &index_, &length) < 0)
            fail("a list");
        return length;
    }
    std::string atom()
    {
        char a[MAXATOMLEN_UTF8];
        if (ei_decode_atom_as(buf_, &index_, a, sizeof a, ERLANG_UTF8, nullptr, nullptr) < 0)
            fail("an atom");
        return a;
    }
    void atom(std::string_view expected)
    {
        if (atom() != expected)
            fail("the atom " + std::string(expected));
    }
    std::string string()
    {
        int type, size;
        if (ei_get_type(buf_, &index_, &type, &size) < 0 || type != ERL_STRING_EXT)
            fail("a string");
        std::string s(static_cast<std::size_t>(size) + 1, '\0');
        if (ei_decode_string(buf_, &index_, s.data()) < 0)
            fail("a string");
        s.resize(static_cast<std::size_t>(size));
        return s;
    }
    std::string binary()
    {
        int type, size;
        long length;
        if (ei_get_type(buf_, &index_, &type, &size) < 0 || type != ERL_BINARY_EXT)
            fail("a binary");
        std::string b(static_cast<std::size_t>(size), '\0');
        if (ei_decode_binary(buf_, &index_, b.data(), &length) < 0)
            fail("a binary");
        return b;
    }
    long long integer()
    {
        long long v;
        if (ei_decode_longlong(buf_, &index_, &v) < 0)
            fail("an integer");
        return v;
    }
    double real()
    {
        double v;
        if (ei_decode_double(buf_, &index_, &v) < 0)
            fail("a float");
        return v;
    }
    erlang_pid pid()
    {
        erlang_pid p;
        if (ei_decode_pid(buf_, &index_, &p) < 0)
            fail("a pid");
        return p;
    }
    erlang_ref ref()
    {
        erlang_ref r;
        if (ei_decode_ref(buf_, &index_, &r) < 0)
            fail("a reference");
        return r;
    }
    // The next term, printed (the position does not move).
    std::string peek() const { return print(buf_, index_); }
    // The whole message, printed.
    std::string whole() const { return print(buf_, start_); }

    [[noreturn]] void fail(const std::string &expected) const
    {
        throw ProtocolError("expected " + expected + " in " + whole());
    }

private:
    const char *buf_;
    int index_ = 0;
    int start_ = 0;
};

// A connection to a node; closed when it goes out of scope.
class Connection {
public:
    Connection(ei_cnode *node, int fd) noexcept : node_(node), fd_(fd) {}
    ~Connection()
    {
        if (fd_ >= 0)
            ei_close_connection(fd_);
    }
    Connection(Connection &&other) noexcept
        : node_(other.node_), fd_(std::exchange(other.fd_, -1))
    {
    }
    Connection &operator=(Connection &&other) noexcept
    {
        if (this != &other) {
            if (fd_ >= 0)
                ei_close_connection(fd_);
            node_ = other.node_;
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;

    int fd() const noexcept { return fd_; }

    void send(const erlang_pid &to, const Buffer &message)
    {
        erlang_pid dest = to;
        check(ei_send(fd_, &dest, const_cast<char *>(message.data()), message.size()), "ei_send");
    }
    void send(const std::string &registered_name, const Buffer &message)
    {
        std::string name = registered_name;
        check(ei_reg_send(node_, fd_, name.data(), const_cast<char *>(message.data()),
                          message.size()),
              "ei_reg_send");
    }

    // The next message sent to this node (SEND or REG_SEND), or nothing if
    // none arrives in time.  Ticks are answered by libei; other signals
    // (links, exits, monitors) are skipped.
    std::optional<Buffer> receive(std::chrono::milliseconds timeout)
    {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        Buffer x(Buffer::Kind::term);
        for (;;) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left <= 0ms)
                return std::nullopt;
            erlang_msg msg{};
            msg.msgtype = -1;
            int rc = ei_xreceive_msg_tmo(fd_, &msg, x.raw(), static_cast<unsigned>(left.count()));
            if (rc == ERL_TICK)
                continue;
            if (rc == ERL_TIMEOUT || (rc == ERL_ERROR && erl_errno == ETIMEDOUT))
                return std::nullopt;
            if (rc == ERL_ERROR && erl_errno == EIO &&
                (msg.msgtype == ERL_MONITOR_P || msg.msgtype == ERL_DEMONITOR_P ||
                 msg.msgtype == ERL_MONITOR_P_EXIT))
                continue; // libei has no monitors, but the connection is fine
            check(rc == ERL_MSG ? 0 : -1, "ei_xreceive_msg_tmo");
            if (msg.msgtype == ERL_SEND || msg.msgtype == ERL_REG_SEND)
                return x;
        }
    }

    // Closes now, reporting a failure (the destructor cannot).
    void close()
    {
        int fd = std::exchange(fd_, -1);
        check(ei_close_connection(fd), "ei_close_connection");
    }

private:
    ei_cnode *node_;
    int fd_;
};

// This C node: its name, cookie and identity.
class Node {
public:
    // name is alive@host; the node listens on nothing and talks over loopback.
    Node(const std::string &name, const std::string &cookie)
    {
        auto at = name.find('@');
        if (at == 0 || at == std::string::npos || at + 1 == name.size())
            throw std::invalid_argument("node name '" + name + "' is not of the form alive@host");
        const std::string alive = name.substr(0, at), host = name.substr(at + 1);
        in_addr loopback{};
        loopback.s_addr = htonl(INADDR_LOOPBACK);
        check(ei_init(), "ei_init");
        // A new creation per run: Erlang tells incarnations of a node apart by it.
        check(ei_connect_xinit(&node_, host.c_str(), alive.c_str(), name.c_str(), &loopback,
                               cookie.c_str(), static_cast<unsigned>(std::time(nullptr))),
              "ei_connect_xinit");
    }
    Node(const Node &) = delete;
    Node &operator=(const Node &) = delete;

    Connection connect(const std::string &peer)
    {
        std::string name = peer;
        int fd = ei_connect(&node_, name.data());
        if (fd < 0)
            throw Error("ei_connect(" + peer + ")", erl_errno,
                        "is the node up, known to epmd (ERL_EPMD_PORT) and using the same "
                        "cookie?");
        return Connection(&node_, fd);
    }

    std::string name() { return ei_thisnodename(&node_); }
    const erlang_pid &self() { return *ei_self(&node_); }
    erlang_ref make_ref()
    {
        erlang_ref r;
        check(ei_make_ref(&node_, &r), "ei_make_ref");
        return r;
    }

private:
    ei_cnode node_{};
};

} // namespace ei

namespace {

constexpr auto timeout = std::chrono::seconds(10);

void say(const std::string &line) { std::cout << "cxx: " << line << std::endl; }

std::string printed(const ei::Buffer &term) { return ei::print(term.data(), 0); }

std::string printed(const erlang_pid &pid)
{
    ei::Buffer b(ei::Buffer::Kind::term);
    b.pid(pid);
    return printed(b);
}

ei::Buffer await(ei::Connection &conn, const char *what)
{
    auto reply = conn.receive(timeout);
    if (!reply)
        throw std::runtime_error(std::string("no ") + what + " within " +
                                 std::to_string(timeout.count()) + " s");
    return std::move(*reply);
}

class CxxNode {
public:
    CxxNode(ei::Node &node, ei::Connection &conn) : node_(node), conn_(conn) {}

    // {echo, Self, Term} to the registered echo process; Term comes back.
    void echo()
    {
        ei::Buffer term(ei::Buffer::Kind::term);
        term.tuple(5)
            .atom("cxx")
            .string("hello from C++")
            .integer(17)
            .binary("ei")
            .list(2)
            .real(1.5)
            .integer(-2)
            .nil();
        ei::Buffer msg;
        msg.tuple(3).atom("echo").pid(node_.self()).append(term);
        say("to cnode_echo  " + printed(term));
        conn_.send("cnode_echo", msg);

        ei::Buffer reply = await(conn_, "echo");
        ei::Reader r(reply);
        r.tuple(3);
        r.atom("echo");
        echo_pid_ = r.pid();
        have_echo_pid_ = true;
        const std::string echoed = r.peek();
        r.tuple(5);
        r.atom("cxx");
        if (r.string() != "hello from C++")
            r.fail("the string \"hello from C++\"");
        if (r.integer() != 17)
            r.fail("17");
        if (r.binary() != "ei")
            r.fail("<<\"ei\">>");
        // Erlang may encode [1.5, -2] as it likes; decode it element by element.
        if (r.list() != 2 || r.real() != 1.5 || r.integer() != -2 || r.list() != 0)
            r.fail("[1.5, -2]");
        say("echoed         " + echoed + "   (from " + printed(echo_pid_) + ")");
        ++exchanges_;
    }

    // {call, Self, Ref, Request} to the echo process's pid; returns Answer
    // of {reply, Ref, Answer}, a string for the requests made here.
    std::string call(const ei::Buffer &request)
    {
        if (!have_echo_pid_)
            throw std::logic_error("call before echo: no echo pid yet");
        erlang_ref ref = node_.make_ref();
        ei::Buffer msg;
        msg.tuple(4).atom("call").pid(node_.self()).ref(ref).append(request);
        say("request        " + printed(request));
        conn_.send(echo_pid_, msg);

        ei::Buffer reply = await(conn_, "reply");
        ei::Reader r(reply);
        r.tuple(3);
        r.atom("reply");
        erlang_ref got = r.ref();
        if (ei_cmp_refs(&ref, &got) != 0)
            r.fail("the reference of the request");
        std::string answer = r.string();
        say("answer         " + r.whole());
        ++exchanges_;
        return answer;
    }

    void run()
    {
        say("--- 1. a term to the registered name cnode_echo ---");
        echo();

        say("--- 2. requests {call, Self, Ref, Request} to " + printed(echo_pid_) + " ---");
        ei::Buffer req(ei::Buffer::Kind::term);
        req.tuple(2).atom("system_info").atom("otp_release");
        const std::string release = call(req);
        if (release.empty() || release.find_first_not_of("0123456789") != std::string::npos)
            throw std::runtime_error("'" + release + "' does not look like an OTP release");
        say("the Erlang node runs Erlang/OTP " + release);

        // How Erlang reads a term encoded here, as io_lib:format("~w") prints it.
        ei::Buffer fmt(ei::Buffer::Kind::term);
        fmt.tuple(2).atom("format");
        fmt.tuple(6)
            .atom("cxx")
            .list(3)
            .integer(1)
            .integer(2)
            .integer(3)
            .nil()
            .binary("bin")
            .integer(-42)
            .uinteger(18446744073709551615ULL)
            .atom("C++");
        const std::string expected = "{cxx,[1,2,3],<<98,105,110>>,-42,18446744073709551615,'C++'}";
        const std::string text = call(fmt);
        if (text != expected)
            throw std::runtime_error("Erlang reads our term as " + text + ", not " + expected);
        say("Erlang reads our term as " + text);
    }

    int exchanges() const noexcept { return exchanges_; }

private:
    ei::Node &node_;
    ei::Connection &conn_;
    erlang_pid echo_pid_{};
    bool have_echo_pid_ = false;
    int exchanges_ = 0;
};

} // namespace

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        std::cerr << "usage: " << argv[0] << " ERLANG_NODE COOKIE [THIS_NODE]\n";
        return 2;
    }
    const std::string peer = argv[1], cookie = argv[2];
    const auto at = peer.find('@');
    if (at == std::string::npos) {
        std::cerr << argv[0] << ": ERLANG_NODE must be alive@host\n";
        return 2;
    }
    const std::string self_name =
        argc == 4 ? argv[3] : "cxx_" + std::to_string(::getpid()) + peer.substr(at);

    try {
        ei::Node node(self_name, cookie);
        say("I am C node " + node.name() + "; connecting to " + peer);
        ei::Connection conn = node.connect(peer);
        say("connected (fd " + std::to_string(conn.fd()) + "); my pid is " +
            printed(node.self()));

        CxxNode demo(node, conn);
        demo.run();
        conn.close();
        say("C++ node demo OK: " + std::to_string(demo.exchanges()) +
            " exchanges, each answer checked");
        return 0;
    } catch (const std::exception &e) {
        std::cout.flush();
        std::cerr << "cxx: error: " << e.what() << '\n';
        return 1;
    }
}
