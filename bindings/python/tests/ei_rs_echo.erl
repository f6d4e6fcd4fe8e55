%% The Erlang side of the Python binding's tests.
%%
%%   erl ... -eval 'ei_rs_echo:start("READY_FILE")'
%%
%% registers an echo process as ei_rs_echo, then writes the OTP release to
%% READY_FILE. The echo process answers {echo, From, Term} with
%% From ! {echo, self(), Term}. The other functions are called by rpc.
-module(ei_rs_echo).

-export([start/1, format/1, eval/1, eval_ttb/1, stash/1, is_stashed/1,
         link_and_exit/2, call_node/4]).

start(ReadyFile) ->
    Pid = spawn(fun loop/0),
    true = register(ei_rs_echo, Pid),
    ok = file:write_file(ReadyFile, erlang:system_info(otp_release)).

loop() ->
    receive
        {echo, From, Term} when is_pid(From) ->
            From ! {echo, self(), Term},
            loop();
        stop ->
            ok;
        _ ->
            loop()
    end.

%% How Erlang writes Term, as UTF-8.
format(Term) ->
    unicode:characters_to_binary(io_lib:format("~tw", [Term])).

%% The value of the Erlang expressions Src (a UTF-8 binary, no final dot).
eval(Src) ->
    {ok, Tokens, _} = erl_scan:string(unicode:characters_to_list(Src) ++ "."),
    {ok, Exprs} = erl_parse:parse_exprs(Tokens),
    {value, Value, _} = erl_eval:exprs(Exprs, []),
    Value.

%% term_to_binary of that value.
eval_ttb(Src) ->
    term_to_binary(eval(Src)).

%% Keeps Term (returning it) for is_stashed/1, which tells whether what it
%% is given is exactly that term.
stash(Term) ->
    persistent_term:put({?MODULE, stash}, Term),
    Term.

is_stashed(Term) ->
    persistent_term:get({?MODULE, stash}) =:= Term.

%% A new process links to Pid, then exits with Reason. Returns its pid.
link_and_exit(Pid, Reason) ->
    Self = self(),
    P = spawn(fun() ->
                  link(Pid),
                  Self ! {self(), linked},
                  receive go -> exit(Reason) end
              end),
    receive {P, linked} -> ok end,
    P ! go,
    P.

%% Sends {Ref, self(), Request} to the process registered as Name on Node
%% (connecting to it if need be) and waits for {Ref, Reply}.
call_node(Node, Name, Request, Timeout) ->
    Ref = make_ref(),
    {Name, Node} ! {Ref, self(), Request},
    receive
        {Ref, Reply} -> {ok, Reply}
    after Timeout -> timeout
    end.
