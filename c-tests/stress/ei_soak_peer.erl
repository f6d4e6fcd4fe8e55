%% Erlang side of the soak program (c-tests/stress/soak.c, scripts/soak.sh).
%% Started with `erl ... -s ei_soak_peer start`.
%%
%% Registered processes:
%%   soak_echo  {echo, From, Payload}     -> From ! {echo, self(), Payload}
%%   soak_sink  {burst, Seq, Bin}         counted; Seq must be 0, 1, 2, ...
%%              {sync, From, Tag}         -> From ! {synced, Tag, Count, Bytes, ok | {bad_seq, Got, Want}}
%%                                           and the counts start again
%%   soak_ctl   commands from the C node:
%%     {burst_to, From, Tag, K, Size}     From ! {burst, Tag, I, Bin} for I in 1..K (Bin: Size
%%                                        bytes of I band 255), then From ! {burst_end, Tag, K}
%%     {link_exit, From, Tag, exit}       a process links to From, From ! {linked, Tag},
%%                                        exits with {soak_exit, Tag}
%%     {link_exit, From, Tag, exit2}      a process links to From, From ! {linked, Tag},
%%                                        exit(From, {soak_kill, Tag}), unlinks, From ! {done, Tag}
%%     {connect_me, From, Tag, SrvNode, N, CloseBy}
%%                                        waits until SrvNode is not connected, sends
%%                                        {hello, self(), Tag, I} to {soak_srv, SrvNode} and waits
%%                                        for {hello_ack, Tag, I}, I in 1..N; CloseBy node:
%%                                        disconnects SrvNode; From ! {connect_done, Tag, Result}
%%     {disconnect_me, From}              disconnects node(From)
%%     {stats, From}                      From ! {stats, ProcessCount, MemoryTotal}
%% For ei_rpc: sum_bin/1.
-module(ei_soak_peer).
-export([start/0, echo_loop/0, sink_loop/4, ctl_loop/0, sum_bin/1]).

start() ->
    register(soak_echo, spawn(?MODULE, echo_loop, [])),
    register(soak_sink, spawn(?MODULE, sink_loop, [0, 0, 0, ok])),
    register(soak_ctl, spawn(?MODULE, ctl_loop, [])),
    %% -ei_soak_max_life Seconds: never outlive a killed driver.
    case init:get_argument(ei_soak_max_life) of
        {ok, [[Secs]]} ->
            spawn(fun() ->
                          timer:sleep(list_to_integer(Secs) * 1000),
                          erlang:halt(3)
                  end);
        _ ->
            ok
    end,
    case init:get_argument(ei_soak_ready) of
        {ok, [[File]]} -> ok = file:write_file(File, <<"ready">>);
        _ -> ok
    end,
    ok.

sum_bin(Bin) when is_binary(Bin) ->
    lists:sum(binary_to_list(Bin)).

echo_loop() ->
    receive
        {echo, From, Payload} when is_pid(From) ->
            From ! {echo, self(), Payload};
        _ ->
            ok
    end,
    ?MODULE:echo_loop().

sink_loop(Next, Count, Bytes, Status) ->
    receive
        {burst, Seq, Bin} when is_binary(Bin) ->
            Status1 = case {Status, Seq} of
                          {ok, Next} -> ok;
                          {ok, _} -> {bad_seq, Seq, Next};
                          _ -> Status
                      end,
            ?MODULE:sink_loop(Next + 1, Count + 1, Bytes + byte_size(Bin), Status1);
        {sync, From, Tag} ->
            From ! {synced, Tag, Count, Bytes, Status},
            ?MODULE:sink_loop(0, 0, 0, ok);
        _ ->
            ?MODULE:sink_loop(Next, Count, Bytes, Status)
    end.

ctl_loop() ->
    receive
        {burst_to, From, Tag, K, Size} ->
            spawn(fun() -> burst_to(From, Tag, K, Size) end);
        {link_exit, From, Tag, Mode} ->
            spawn(fun() -> link_exit(From, Tag, Mode) end);
        {connect_me, From, Tag, SrvNode, N, CloseBy} ->
            spawn(fun() ->
                          From ! {connect_done, Tag, connect_me(SrvNode, Tag, N, CloseBy)}
                  end);
        {disconnect_me, From} ->
            spawn(fun() -> erlang:disconnect_node(node(From)) end);
        {stats, From} ->
            From ! {stats, erlang:system_info(process_count), erlang:memory(total)};
        _ ->
            ok
    end,
    ?MODULE:ctl_loop().

burst_to(From, Tag, K, Size) ->
    lists:foreach(fun(I) -> From ! {burst, Tag, I, binary:copy(<<(I band 255)>>, Size)} end,
                  lists:seq(1, K)),
    From ! {burst_end, Tag, K}.

link_exit(From, Tag, exit) ->
    link(From),
    From ! {linked, Tag},
    exit({soak_exit, Tag});
link_exit(From, Tag, exit2) ->
    link(From),
    From ! {linked, Tag},
    exit(From, {soak_kill, Tag}),
    unlink(From),
    From ! {done, Tag}.

connect_me(SrvNode, Tag, N, CloseBy) ->
    try
        wait_disconnected(SrvNode, 100),
        lists:foreach(
          fun(I) ->
                  {soak_srv, SrvNode} ! {hello, self(), Tag, I},
                  receive
                      {hello_ack, Tag, I} -> ok
                  after 10000 ->
                      throw({no_ack, I})
                  end
          end, lists:seq(1, N)),
        case CloseBy of
            node -> true = erlang:disconnect_node(SrvNode);
            _ -> ok
        end,
        ok
    catch
        throw:Err -> {error, Err}
    end.

%% The previous connection to the C node may still be going away.
wait_disconnected(_Node, 0) ->
    throw(still_connected);
wait_disconnected(Node, N) ->
    case lists:member(Node, nodes(connected)) of
        true -> timer:sleep(50), wait_disconnected(Node, N - 1);
        false -> ok
    end.
