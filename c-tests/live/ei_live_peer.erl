%% Erlang side of the live C-node tests (c-tests/live).  Started with
%% `erl ... -s ei_live_peer start`; compiled by CMake with Debian's erlc
%% (OTP 28 loads these OTP 25 beams too).
%%
%% Registered processes:
%%   ei_echo  {echo, From, Payload}  -> From ! {echo, self(), Payload}
%%            {echo_bin, From, Bin}  -> From ! Bin          (the payload itself)
%%   ei_ctl   commands from the C node (each answered to the pid in the command):
%%     {ping, From, CNode}                 From ! {ping_result, CNode, pong | pang}
%%     {link_test, From}                   see link_test/1
%%     {call_service, From, CNode, Name, N}  N requests {call, self(), Req} to
%%                                         {Name, CNode}, answers checked;
%%                                         From ! {service_result, ok | {error, _}}
%%     {send_to_reg, From, CNode, Name, Msg}  {Name, CNode} ! Msg; From ! sent
%%     {check_identity, From, CNode, Pid1, Pid2, Ref1, Ref2}
%%                                         From ! {identity_result, ok | {error, _}},
%%                                         then Pid1 ! {to_made_pid, Pid1}
%%     {halt, From, Ms}                    From ! halting, halt after Ms ms
%%     {info, From}                        From ! {info, node(), net_ticktime}
-module(ei_live_peer).
-export([start/0, init_ctl/0, echo_loop/0]).

start() ->
    register(ei_echo, spawn(?MODULE, echo_loop, [])),
    register(ei_ctl, spawn(?MODULE, init_ctl, [])),
    %% -ei_live_max_life Seconds: never outlive a killed test driver.
    case init:get_argument(ei_live_max_life) of
        {ok, [[Secs]]} ->
            spawn(fun() ->
                          timer:sleep(list_to_integer(Secs) * 1000),
                          erlang:halt(3)
                  end);
        _ ->
            ok
    end,
    %% -ei_live_ready File: tell the driver that the processes above exist.
    case init:get_argument(ei_live_ready) of
        {ok, [[File]]} -> ok = file:write_file(File, <<"ready">>);
        _ -> ok
    end,
    ok.

echo_loop() ->
    receive
        {echo, From, Payload} when is_pid(From) ->
            From ! {echo, self(), Payload};
        {echo_bin, From, Bin} when is_pid(From) ->
            From ! Bin;
        _ ->
            ok
    end,
    ?MODULE:echo_loop().

init_ctl() ->
    process_flag(trap_exit, true),
    ctl_loop().

ctl_loop() ->
    receive
        {ping, From, CNode} ->
            spawn(fun() -> From ! {ping_result, CNode, net_adm:ping(CNode)} end);
        {link_test, From} ->
            spawn(fun() -> link_test(From) end);
        {call_service, From, CNode, Name, N} ->
            spawn(fun() -> From ! {service_result, call_service(CNode, Name, N)} end);
        {send_to_reg, From, CNode, Name, Msg} ->
            {Name, CNode} ! Msg,
            From ! sent;
        {check_identity, From, CNode, Pid1, Pid2, Ref1, Ref2} ->
            From ! {identity_result, check_identity(CNode, Pid1, Pid2, Ref1, Ref2)},
            Pid1 ! {to_made_pid, Pid1};
        {halt, From, Ms} ->
            From ! halting,
            spawn(fun() -> timer:sleep(Ms), erlang:halt(0) end);
        {info, From} ->
            From ! {info, node(), net_kernel:get_net_ticktime()};
        _ ->
            ok
    end,
    ctl_loop().

%% Link signals towards the C node's pid From, in this order (each step
%% waits for the C node's go-ahead {next, Step} so that the C side reads one
%% signal at a time):
%%   1. link(From)                      C: ERL_LINK, then {linked, self()}
%%   2. unlink(From)                    C: ERL_UNLINK, then {unlinked, self()}
%%   3. exit(From, {kill_you, 2})       C: ERL_EXIT2, then {exit2_sent, self()}
%%   4. monitor(process, From)          C: MONITOR_P (OTP's libei: ERL_ERROR, EIO),
%%                                         then {monitored, self()}
%%   5. demonitor(Ref)                  C: DEMONITOR_P (likewise), then {demonitored, self()}
%%   6. link(From), exit({bye, 42, <<"reason">>})
%%                                      C: ERL_LINK, {linked_again, self()}, ERL_EXIT
link_test(From) ->
    link(From),
    From ! {linked, self()},
    wait_next(unlink),
    unlink(From),
    From ! {unlinked, self()},
    wait_next(exit2),
    exit(From, {kill_you, 2}),
    From ! {exit2_sent, self()},
    wait_next(monitor),
    MRef = erlang:monitor(process, From),
    From ! {monitored, self()},
    wait_next(demonitor),
    true = erlang:demonitor(MRef),
    From ! {demonitored, self()},
    wait_next(exit),
    link(From),
    From ! {linked_again, self()},
    wait_next(die),
    exit({bye, 42, <<"reason">>}).

wait_next(Step) ->
    receive
        {next, Step} -> ok
    after 20000 ->
        exit({timeout_waiting_for, Step})
    end.

%% Requests to a registered process on a C node; the C node answers
%% {reply, Result} to the pid in the request.
call_service(CNode, Name, N) ->
    Reqs = [{add, I, I * 7} || I <- lists:seq(1, N)]
        ++ [{reverse, <<"hello, C node">>}, {reverse, <<>>},
            {reverse, list_to_binary(lists:seq(0, 255))}],
    try
        lists:foreach(
          fun(Req) ->
                  {Name, CNode} ! {call, self(), Req},
                  Expected = expected(Req),
                  receive
                      {reply, Expected} -> ok;
                      {reply, Other} -> throw({wrong_reply, Req, Other})
                  after 10000 ->
                      throw({no_reply, Req})
                  end
          end, Reqs),
        {Name, CNode} ! stop,
        ok
    catch
        throw:Err -> {error, Err}
    end.

expected({add, A, B}) -> A + B;
expected({reverse, Bin}) -> list_to_binary(lists:reverse(binary_to_list(Bin))).

check_identity(CNode, Pid1, Pid2, Ref1, Ref2) ->
    Checks = [{is_pid1, is_pid(Pid1)}, {is_pid2, is_pid(Pid2)},
              {is_ref1, is_reference(Ref1)}, {is_ref2, is_reference(Ref2)},
              {pid1_node, node(Pid1) =:= CNode}, {pid2_node, node(Pid2) =:= CNode},
              {ref1_node, node(Ref1) =:= CNode}, {ref2_node, node(Ref2) =:= CNode},
              {pids_differ, Pid1 =/= Pid2}, {refs_differ, Ref1 =/= Ref2}],
    case [Name || {Name, false} <- Checks] of
        [] -> ok;
        Failed -> {error, Failed}
    end.
