%% ei_bench_node: the Erlang side of bench/ei_bench.c.
%%
%%   erl -sname bench@localhost ... -eval 'ei_bench_node:start("READY_FILE")'
%%
%% registers three processes, then writes the node name to READY_FILE (the
%% node halts itself after 30 minutes):
%%
%%   bench_echo    {Pid, Term}          -> Pid ! {Pid, Term}      (round trips)
%%   bench_sink    {data, Bin}          counted (messages, bytes)
%%                 {done, Pid}          -> Pid ! {count, Messages, Bytes}, and
%%                                         the counters start again at zero
%%   bench_driver  {drive, CNode, Sizes, {time, Ms} | {count, N}, Warmup}
%%                 drives the C node CNode, which answers every {Pid, Bin}
%%                 sent to its name bench_c with the same term to Pid: for
%%                 each size, Warmup round trips, then {start, Size}, the
%%                 measured round trips, then
%%                 {result, Size, N, ElapsedNs, P50Ns, P99Ns}; `stop` at the end.
-module(ei_bench_node).

-export([start/1]).

-define(TIMEOUT, 60000).

start(ReadyFile) ->
    %% A node that outlives its script does not stay for long.
    {ok, _} = timer:apply_after(30 * 60 * 1000, erlang, halt, []),
    true = register(bench_echo, spawn(fun echo/0)),
    true = register(bench_sink, spawn(fun() -> sink(0, 0) end)),
    true = register(bench_driver, spawn(fun driver/0)),
    ok = file:write_file(ReadyFile, atom_to_list(node())).

echo() ->
    receive
        {Pid, _} = M when is_pid(Pid) ->
            Pid ! M,
            echo();
        _ ->
            echo()
    end.

sink(N, Bytes) ->
    receive
        {data, Bin} when is_binary(Bin) ->
            sink(N + 1, Bytes + byte_size(Bin));
        {done, Pid} when is_pid(Pid) ->
            Pid ! {count, N, Bytes},
            sink(0, 0);
        _ ->
            sink(N, Bytes)
    end.

driver() ->
    receive
        {drive, CNode, Sizes, Mode, Warmup} when is_atom(CNode) ->
            %% A driver that fails must not take bench_driver down with it.
            {Pid, Ref} = spawn_monitor(fun() -> drive(CNode, Sizes, Mode, Warmup) end),
            receive
                {'DOWN', Ref, process, Pid, normal} -> ok;
                {'DOWN', Ref, process, Pid, Reason} ->
                    io:format(standard_error, "bench_driver: ~p~n", [Reason])
            end;
        _ ->
            ok
    end,
    driver().

drive(CNode, Sizes, Mode, Warmup) ->
    To = {bench_c, CNode},
    lists:foreach(fun(Size) -> drive_size(To, Size, Mode, Warmup) end, Sizes),
    To ! stop.

drive_size(To, Size, Mode, Warmup) ->
    Msg = {self(), binary:copy(<<7>>, Size)},
    _ = rts(To, Msg, Warmup, []),
    To ! {start, Size},
    T0 = erlang:monotonic_time(nanosecond),
    Lat = case Mode of
              {count, N} -> rts(To, Msg, N, []);
              {time, Ms} -> rts_until(To, Msg, T0 + Ms * 1000000, T0, [])
          end,
    T1 = erlang:monotonic_time(nanosecond),
    Sorted = lists:sort(Lat),
    Len = length(Sorted),
    To ! {result, Size, Len, T1 - T0, pct(Sorted, Len, 0.50), pct(Sorted, Len, 0.99)}.

rt(To, {Self, _} = Msg) ->
    To ! Msg,
    receive
        {Self, _} -> ok
    after ?TIMEOUT ->
        exit(no_echo)
    end.

rts(_To, _Msg, 0, Acc) ->
    Acc;
rts(To, Msg, N, Acc) ->
    T0 = erlang:monotonic_time(nanosecond),
    rt(To, Msg),
    rts(To, Msg, N - 1, [erlang:monotonic_time(nanosecond) - T0 | Acc]).

rts_until(To, Msg, End, T0, Acc) ->
    rt(To, Msg),
    T1 = erlang:monotonic_time(nanosecond),
    Acc1 = [T1 - T0 | Acc],
    if
        T1 >= End -> Acc1;
        true -> rts_until(To, Msg, End, T1, Acc1)
    end.

pct([], _Len, _P) ->
    0;
pct(Sorted, Len, P) ->
    lists:nth(max(1, min(Len, ceil(P * Len))), Sorted).
