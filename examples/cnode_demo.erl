%% cnode_demo: the Erlang side of the C node examples.
%%
%% Client part (examples/cnode_client.c connects to this node):
%%
%%   erl -sname demo@localhost ... -eval 'cnode_demo:start_echo("READY_FILE")'
%%
%% registers an echo process as cnode_echo, then writes the node name to
%% READY_FILE.  The echo process answers
%%
%%   {echo, From, Term}          with  From ! {echo, self(), Term}
%%   {call, From, Ref, Request}  with  From ! {reply, Ref, Answer}, where
%%       {system_info, Key}  -> erlang:system_info(Key)  (e.g. otp_release)
%%       {format, Term}      -> io_lib:format("~w", [Term]) as a flat string
%%       node                -> node()
%%       anything else       -> {error, {unknown_request, Request}}
%%   stop                        by exiting.
%%
%% Server part (examples/cnode_server.c waits for this node to connect):
%%
%%   erl -sname driver@localhost ... -eval "cnode_demo:server_demo('cserver@localhost')"
%%
%% pings the C node, makes calls {call, self(), Ref, Request} to its
%% registered name cserver, checks every reply {reply, Ref, Answer}, stops
%% it, and halts the node with status 0 if all of that worked, 1 otherwise.
-module(cnode_demo).

-export([start_echo/1, server_demo/1]).

-define(TIMEOUT, 10000).

%% ---------------------------------------------------------------------------
%% Echo process (client part)
%% ---------------------------------------------------------------------------

start_echo(ReadyFile) ->
    Pid = spawn(fun echo_loop/0),
    true = register(cnode_echo, Pid),
    ok = file:write_file(ReadyFile, atom_to_list(node())).

echo_loop() ->
    receive
        {echo, From, Term} when is_pid(From) ->
            From ! {echo, self(), Term},
            echo_loop();
        {call, From, Ref, Request} when is_pid(From) ->
            From ! {reply, Ref, answer(Request)},
            echo_loop();
        stop ->
            ok;
        _Other ->
            echo_loop()
    end.

answer({system_info, Key}) when is_atom(Key) ->
    try erlang:system_info(Key)
    catch error:badarg -> {error, badarg}
    end;
answer({format, Term}) ->
    lists:flatten(io_lib:format("~w", [Term]));
answer(node) ->
    node();
answer(Request) ->
    {error, {unknown_request, Request}}.

%% ---------------------------------------------------------------------------
%% Driver for the C node server (server part)
%% ---------------------------------------------------------------------------

server_demo(CNode) when is_atom(CNode) ->
    ok = io:setopts([{encoding, unicode}]),
    try run_server_demo(CNode) of
        ok ->
            say("C node server demo OK"),
            halt(0)
    catch
        Class:Reason:Stack ->
            io:format(standard_error, "erlang: C node server demo FAILED: ~tp:~tp~n~tp~n",
                      [Class, Reason, Stack]),
            halt(1)
    end.

run_server_demo(CNode) ->
    Server = {cserver, CNode},
    say("I am ~w; the C node is ~w", [node(), CNode]),

    say("--- 1. net_adm:ping (net_kernel's {is_auth, Node} call, answered by the C node) ---"),
    Pong = net_adm:ping(CNode),
    say("net_adm:ping(~w) -> ~w", [CNode, Pong]),
    pong = Pong,
    true = lists:member(CNode, nodes(hidden)),
    say("nodes(hidden) = ~w", [nodes(hidden)]),

    say("--- 2. calls {call, self(), Ref, Request} to ~w ---", [Server]),
    {CNode, CPid} = call(Server, whoami),
    true = is_pid(CPid),
    CNode = node(CPid),
    42 = call(Server, {add, 40, 2}),
    999999999995 = call(Server, {add, -5, 1000000000000}),
    {error, overflow} = call(Server, {add, 16#7fffffffffffffff, 1}),
    {error, badarg} = call(Server, {add, 1, one}),
    <<"olleh">> = call(Server, {reverse, <<"hello">>}),
    Bytes = list_to_binary(lists:seq(0, 255)),
    Reversed = list_to_binary(lists:reverse(lists:seq(0, 255))),
    Reversed = call(Server, {reverse, Bytes}, quiet),
    say("  (and a 256-byte binary came back reversed)"),
    {error, {unknown_request, {frobnicate, [x, y]}}} = call(Server, {frobnicate, [x, y]}),

    say("--- 3. link to and monitor the C node's pid ~w, then stop it ---", [CPid]),
    process_flag(trap_exit, true),
    true = link(CPid),
    MRef = erlang:monitor(process, CPid),
    stopping = call(Server, stop),
    receive
        {'EXIT', CPid, Why} ->
            say("got {'EXIT', ~w, ~w}: the C node closed the connection", [CPid, Why])
    after ?TIMEOUT ->
        error(no_exit_signal_from_c_node)
    end,
    receive
        {'DOWN', MRef, process, CPid, Info} ->
            say("got {'DOWN', _, process, ~w, ~w}", [CPid, Info])
    after ?TIMEOUT ->
        error(no_down_message_for_c_node)
    end,
    ok.

call(Server, Request) ->
    call(Server, Request, verbose).

call(Server, Request, Verbosity) ->
    Ref = make_ref(),
    Server ! {call, self(), Ref, Request},
    receive
        {reply, Ref, Answer} ->
            Verbosity =:= verbose andalso
                say("~ts -> ~w", [string:pad(io_lib:format("~w", [Request]), 34), Answer]),
            Answer
    after ?TIMEOUT ->
        error({no_reply, Request})
    end.

say(Text) ->
    say(Text, []).

say(Format, Args) ->
    io:format("erlang: " ++ Format ++ "~n", Args).
