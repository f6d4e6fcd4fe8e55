%% Generates tests/data/terms.bin, the corpus of Erlang-produced terms used by
%% tests/bad_input.rs and the fuzz seeds. Run once, from the repository root:
%%
%%   erlc -o /tmp tests/data/gen_terms.erl && \
%%     erl -noshell -pa /tmp -s gen_terms main tests/data/terms.bin -s init stop
%%
%% Format of terms.bin: records of [u16 BE name length][name]
%% [u32 BE term length][term_to_binary bytes, version byte included].
-module(gen_terms).
-export([main/1]).

%% Closures are compiled code, so their funs carry this module's name, md5
%% and index.
adder(A) -> fun(X) -> X + A end.
multi(A, B, C) -> fun(X, Y) -> {X, Y, A, B, C} end.
nested(A) -> F = adder(A), fun() -> F(A) end.
noenv() -> fun() -> ok end.

remote_pid() ->
    %% NEW_PID_EXT of a remote node with a 32-bit creation
    binary_to_term(<<131, 88, 119, 11, "remote@host", 0,0,1,2, 0,0,0,3, 0,18,214,135>>).
old_pid() ->
    %% PID_EXT (OTP < 23); Erlang writes it back as NEW_PID_EXT
    binary_to_term(<<131, 103, 100, 0, 6, "old@h1", 0,0,0,42, 0,0,0,0, 2>>).
v4_port() ->
    %% V4_PORT_EXT: 64-bit port id of a remote node
    binary_to_term(<<131, 120, 119, 11, "remote@host", 0,0,0,1,2,3,4,5, 0,18,214,135>>).
new_port() ->
    binary_to_term(<<131, 89, 119, 11, "remote@host", 0,0,0,77, 0,0,0,9>>).
ref5() ->
    %% NEWER_REFERENCE_EXT with 5 words
    binary_to_term(<<131, 90, 0, 5, 119, 11, "remote@host", 0,18,214,135,
                     0,0,1,2, 0,0,3,4, 0,0,5,6, 0,0,7,8, 0,0,9,10>>).
ref4() ->
    binary_to_term(<<131, 90, 0, 4, 119, 11, "remote@host", 0,0,0,1,
                     0,0,1,2, 0,0,3,4, 0,0,5,6, 0,0,7,8>>).
old_ref() ->
    binary_to_term(<<131, 101, 100, 0, 6, "old@h1", 0,0,0,7, 1>>).

deep_list(0) -> [];
deep_list(N) -> [deep_list(N - 1)].
deep_tuple(0) -> ok;
deep_tuple(N) -> {deep_tuple(N - 1)}.

terms() ->
    Big = fun(N) -> 1 bsl N end,
    [{"int 0", 0}, {"int 1", 1}, {"int 255", 255}, {"int 256", 256},
     {"int -1", -1}, {"int -256", -256},
     {"int max32", 2147483647}, {"int min32", -2147483648},
     {"int max32+1", 2147483648}, {"int min32-1", -2147483649},
     {"int 2^59", Big(59)}, {"int 2^63-1", Big(63) - 1}, {"int 2^63", Big(63)},
     {"int -2^63", -Big(63)}, {"int -2^63-1", -Big(63) - 1},
     {"int 2^64-1", Big(64) - 1}, {"int 2^64", Big(64)}, {"int -2^64", -Big(64)},
     {"big 2^2039", Big(2039)}, {"big 2^2040 (LARGE_BIG)", Big(2040)},
     {"big -(2^3000)+7", -Big(3000) + 7},
     {"float 0.0", 0.0}, {"float -0.0", -0.0}, {"float 1.5", 1.5},
     {"float tiny", -3.25e-300}, {"float max", 1.7976931348623157e308},
     {"float denormal", 5.0e-324}, {"float pi", math:pi()},
     {"atom ok", ok}, {"atom empty", ''}, {"atom quoted", 'Hello World'},
     {"atom latin1", list_to_atom([$a, 233])}, {"atom utf8", list_to_atom([955, $x])},
     {"atom 255 ascii", list_to_atom(lists:duplicate(255, $z))},
     {"atom 255 utf8", list_to_atom(lists:duplicate(255, 955))},
     {"atom true", true}, {"atom false", false},
     {"string empty", ""}, {"string abc", "abc"}, {"string escapes", "line\n\ttab\"q\\"},
     {"string all bytes", lists:seq(0, 255)},
     {"string long", lists:flatten(lists:duplicate(100, "0123456789"))},
     {"string unicode", [955, 8364, $a]},
     {"list ints", [1, 2, 3]}, {"list mixed", [a, 1.0, "s", <<"b">>, {}]},
     {"list big ints", lists:seq(1000, 1300)},
     {"list nil in list", [[]]}, {"list deep", deep_list(60)},
     {"improper a|b", [a | b]}, {"improper 1,2|3", [1, 2 | 3]},
     {"improper tail binary", [x | <<1>>]}, {"improper tail tuple", [x, y | {z}]},
     {"tuple empty", {}}, {"tuple 1", {a}}, {"tuple 3", {1, two, "three"}},
     {"tuple 256", list_to_tuple(lists:seq(1, 256))},
     {"tuple deep", deep_tuple(60)},
     {"map empty", #{}}, {"map 1", #{a => 1}},
     {"map nested", #{a => #{b => #{c => [1, 2]}}, {k} => [v]}},
     {"map 40 keys", maps:from_list([{I, I * I} || I <- lists:seq(1, 40)])},
     {"map mixed keys", #{<<"bin">> => 1, 2.5 => x, [l] => {t}, "s" => #{}}},
     {"binary empty", <<>>}, {"binary 3", <<1, 2, 3>>},
     {"binary 300", list_to_binary(lists:duplicate(300, 7))},
     {"bits 1", <<1:1>>}, {"bits 10", <<255, 3:2>>}, {"bits 7", <<0:7>>},
     {"bits 37", <<1, 2, 3, 4, 5:5>>},
     {"pid self", self()}, {"pid local", list_to_pid("<0.1.2>")},
     {"pid remote", remote_pid()}, {"pid old", old_pid()},
     {"port local", hd(erlang:ports())}, {"port v4 remote", v4_port()},
     {"port new remote", new_port()},
     {"ref local", make_ref()}, {"ref alias", alias()},
     {"ref 5 words remote", ref5()}, {"ref 4 words remote", ref4()},
     {"ref old", old_ref()},
     {"fun closure 1 var", adder(42)},
     {"fun closure 3 vars", multi(<<"b">>, [1, 2], #{k => v})},
     {"fun closure nested", nested(7)},
     {"fun closure no env", noenv()},
     {"fun export", fun lists:map/2}, {"fun export bif", fun erlang:self/0},
     {"all", {self(), make_ref(), adder(1), fun lists:map/2, [1 | 2], #{a => <<1:3>>},
              "str", 'λ', -Big(100), 2.5, v4_port(), ref5()}}].

encodings({Name, T}) ->
    [{Name, term_to_binary(T)}] ++
    case Name of
        "float 1.5" -> [{"float 1.5 FLOAT_EXT", term_to_binary(T, [{minor_version, 0}])}];
        "float tiny" -> [{"float tiny FLOAT_EXT", term_to_binary(T, [{minor_version, 0}])}];
        "atom latin1" -> [{"atom latin1 ATOM_EXT", term_to_binary(T, [{minor_version, 1}])}];
        "atom 255 ascii" -> [{"atom 255 ATOM_EXT", term_to_binary(T, [{minor_version, 1}])}];
        "atom ok" -> [{"atom ok SMALL_ATOM_EXT", term_to_binary(T, [{minor_version, 1}])}];
        "map nested" -> [{"map nested deterministic", term_to_binary(T, [deterministic])}];
        _ -> []
    end.

main([Out]) ->
    Recs = lists:flatmap(fun encodings/1, terms()),
    Bin = << <<(length(N)):16, (list_to_binary(N))/binary, (byte_size(B)):32, B/binary>>
             || {N, B} <- Recs >>,
    ok = file:write_file(atom_to_list(Out), Bin),
    io:format("~p terms, ~p bytes~n", [length(Recs), byte_size(Bin)]).
