#!/usr/bin/env escript
%% -*- erlang -*-
%%
%% port_demo.escript PATH_TO_PORT_DEMO
%%
%% Starts the C port program (port_demo.c), receives the term it encoded with
%% ei, checks it, answers with term_to_binary/1, and waits for the C program
%% to check the answer and exit 0.  Exits 0 only if the whole exchange worked.
-mode(compile).

main([Exe]) ->
    ok = io:setopts([{encoding, unicode}]),
    try run(Exe) of
        ok ->
            io:format("erlang: port demo OK~n"),
            halt(0)
    catch
        Class:Reason:Stack ->
            io:format(standard_error, "erlang: port demo FAILED: ~tp:~tp~n~tp~n",
                      [Class, Reason, Stack]),
            halt(1)
    end;
main(_) ->
    io:format(standard_error, "usage: port_demo.escript PATH_TO_PORT_DEMO~n", []),
    halt(2).

run(Exe) ->
    Port = open_port({spawn_executable, Exe},
                     [{packet, 4}, binary, exit_status, use_stdio]),
    Request = receive
                  {Port, {data, Bin}} -> binary_to_term(Bin);
                  {Port, {exit_status, S0}} -> error({port_exited_early, S0})
              after 10000 -> error(timeout_waiting_for_request)
              end,
    io:format("erlang: received ~tp~n", [Request]),
    {request, port_demo, List, Binary, Float, #{key := Atom} = Map} = Request,
    [1, 2, 3] = List,
    <<"hello">> = Binary,
    3.14 = Float,
    'héllo' = Atom,
    1 = map_size(Map),
    Answer = {reply,
              lists:sum(List),
              list_to_binary(lists:reverse(binary_to_list(Binary))),
              node(),
              erlang:system_info(otp_release),
              Float * 2,
              Map#{count => length(List)}},
    io:format("erlang: answering ~tp~n", [Answer]),
    true = port_command(Port, term_to_binary(Answer)),
    receive
        {Port, {exit_status, 0}} -> ok;
        {Port, {exit_status, S}} -> error({port_program_failed, S})
    after 10000 -> error(timeout_waiting_for_exit)
    end.
