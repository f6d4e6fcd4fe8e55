%% Differential tests for ei-rs (see CMakeLists.txt in this folder).
%%
%% Compiled with erlc (closures must be real NEW_FUN_EXT funs of compiled
%% code, which escript's interpreted funs are not) and run as
%%
%%   erl -noshell -pa DIR -run gen_terms main roundtrip prog=ROUNDTRIP
%%       workdir=DIR [n=100000] [seed=S] [libei] [exclude=CAT]...
%%
%%       (erl's -run takes plain words: options are KEY=VALUE or flags.)
%%
%%       Generates N random terms (seedable; the seed is printed), writes
%%       them framed (4-byte big-endian length + term_to_binary) to
%%       WORKDIR/rt_in.bin, runs ROUNDTRIP IN OUT STATUS, and checks that
%%       binary_to_term(Result) =:= Original for every term and that the
%%       program's per-term status (skip/print checks) is clean.
%%       libei: the program is linked with OTP's libei, whose
%%       ei_print_term fails on atoms outside Latin-1: print failures are
%%       then required exactly for the terms that print such an atom.
%%       exclude=CAT drops a category (see categories/0) from generation.
%%
%%   erl -noshell -pa DIR -run gen_terms main diff_libei otp=PROG_OTP
%%       rs=PROG_RS workdir=DIR
%%
%%       Writes the print corpus, runs print_encode_diff built against
%%       OTP's libei and against ei-rs, and compares their outputs: common
%%       sections byte for byte, known-difference sections against a model
%%       of the correct output (and of libei's wrong output).  With
%%       self_check only the OTP build is run and checked against the
%%       model (used to validate this script without ei-rs).
-module(gen_terms).
-export([main/1, gen/1, term/1, libei_print/2, categories/0]).

-define(MAX_BIG_BITS, 7000). % libei's ei_print_term overflows at ~7984 bits

%%% ------------------------------------------------------------ entry

main(Args) ->
    Code = try run(Args)
           catch C:R:St ->
                   io:format("~nERROR: ~p:~p~n~p~n", [C, R, St]),
                   3
           end,
    halt(Code).

run(["roundtrip" | Args]) -> roundtrip(opts(Args, #{}));
run(["diff_libei" | Args]) -> diff_libei(opts(Args, #{}));
run(Other) ->
    io:format("usage: gen_terms roundtrip|diff_libei OPTIONS (got ~p)~n",
              [Other]),
    2.

opts([], M) -> M;
opts(["libei" | T], M) -> opts(T, M#{libei => true});
opts(["self_check" | T], M) -> opts(T, M#{self_check => true});
opts([KV | T], M) ->
    case string:split(KV, "=") of
        ["exclude", C] ->
            opts(T, M#{exclude => [list_to_atom(C) | maps:get(exclude, M, [])]});
        [K, V] -> opts(T, M#{list_to_atom(K) => V});
        _ -> error({bad_option, KV})
    end.

%%% ------------------------------------------------------------ roundtrip

roundtrip(O) ->
    Prog = maps:get(prog, O),
    Dir = maps:get(workdir, O),
    N = list_to_integer(maps:get(n, O, "100000")),
    Seed = case maps:find(seed, O) of
               {ok, S} -> list_to_integer(S);
               error -> erlang:phash2({os:timestamp(), make_ref()})
           end,
    Libei = maps:get(libei, O, false),
    Excl = maps:get(exclude, O, []),
    io:format("roundtrip: seed ~p (rerun with seed=~p), ~p terms, "
              "program ~s~s~n",
              [Seed, Seed, N, Prog,
               [[" exclude=", atom_to_list(E)] || E <- Excl]]),
    ok = filelib:ensure_dir(filename:join(Dir, "x")),
    rand:seed(exsss, Seed),
    put(exclude, Excl),
    init_pools(),
    T0 = erlang:monotonic_time(millisecond),
    Terms = [term(4) || _ <- lists:seq(1, N)],
    In = filename:join(Dir, "rt_in.bin"),
    Out = filename:join(Dir, "rt_out.bin"),
    Status = filename:join(Dir, "rt_status.bin"),
    Bins = [term_to_binary(T) || T <- Terms],
    ok = file:write_file(In, [[<<(byte_size(B)):32>>, B] || B <- Bins]),
    T1 = erlang:monotonic_time(millisecond),
    io:format("generated ~p bytes in ~p ms~n",
              [filelib:file_size(In), T1 - T0]),
    _ = file:delete(Out),
    {0, Output} = exec(Prog, [In, Out, Status]),
    io:format("~s", [Output]),
    {ok, OutData} = file:read_file(Out),
    {ok, StData} = file:read_file(Status),
    Results = unframe(OutData),
    Sts = binary_to_list(StData),
    length(Results) =:= N orelse error({result_count, length(Results)}),
    length(Sts) =:= N orelse error({status_count, length(Sts)}),
    Errs = check_rt(lists:zip3(Terms, lists:zip(Bins, Results), Sts),
                    Libei, 1, []),
    T2 = erlang:monotonic_time(millisecond),
    report_rt(lists:reverse(Errs), N, Seed, T2 - T0).

check_rt([], _Libei, _I, Acc) -> Acc;
check_rt([{T, {Orig, Res}, St} | Rest], Libei, I, Acc) ->
    Equal = try binary_to_term(Res) =:= T catch _:_ -> false end,
    E1 = [{mismatch, I, Orig, Res} || not Equal],
    E2 = [{codec_failure, I, Orig} || St band 1 =/= 0],
    E3 = [{skip_mismatch, I, Orig} || St band 2 =/= 0],
    ExpectPrintFail = Libei andalso prints_nonlatin1_atom(T),
    PF = St band 4 =/= 0,
    E4 = if PF =:= ExpectPrintFail -> [];
            PF -> [{print_failure, I, Orig}];
            true -> [{libei_print_unexpectedly_ok, I, Orig}]
         end,
    E5 = [{print_index_mismatch, I, Orig} || St band 8 =/= 0],
    E6 = [{long_longlong_disagree, I, Orig} || St band 16 =/= 0],
    check_rt(Rest, Libei, I + 1, E6 ++ E5 ++ E4 ++ E3 ++ E2 ++ E1 ++ Acc).

report_rt([], N, Seed, Ms) ->
    io:format("roundtrip: OK: all ~p terms equal after decode/re-encode, "
              "skip and print checks clean (seed ~p, ~p ms)~n", [N, Seed, Ms]),
    0;
report_rt(Errs, N, Seed, Ms) ->
    lists:foreach(fun show_err/1, lists:sublist(Errs, 20)),
    Kinds = lists:foldl(fun(E, M) -> maps:update_with(element(1, E),
                                                      fun(C) -> C + 1 end,
                                                      1, M)
                        end, #{}, Errs),
    io:format("roundtrip: FAILED: ~p problems in ~p terms ~p "
              "(seed ~p, ~p ms)~n", [length(Errs), N, Kinds, Seed, Ms]),
    1.

show_err({mismatch, I, Orig, Res}) ->
    io:format("term ~p: MISMATCH~n  original: ~s~n  result:   ~s~n",
              [I, show_bin(Orig), show_bin(Res)]);
show_err({Kind, I, Orig}) ->
    io:format("term ~p: ~p~n  original: ~s~n", [I, Kind, show_bin(Orig)]).

show_bin(B) when byte_size(B) > 600 ->
    io_lib:format("~w... (~p bytes)", [binary:part(B, 0, 600), byte_size(B)]);
show_bin(B) -> io_lib:format("~w", [B]).

%% Does ei_print_term print an atom outside Latin-1 for this term?  (It
%% prints atoms with ei_decode_atom, i.e. as Latin-1; node names of
%% pids/ports/refs and the names in funs are decoded as UTF-8, and a
%% closure's environment is not printed.)
prints_nonlatin1_atom(A) when is_atom(A) ->
    lists:any(fun(C) -> C > 255 end, atom_to_list(A));
prints_nonlatin1_atom([H | T]) ->
    prints_nonlatin1_atom(H) orelse prints_nonlatin1_atom(T);
prints_nonlatin1_atom(T) when is_tuple(T) ->
    prints_nonlatin1_atom(tuple_to_list(T));
prints_nonlatin1_atom(M) when is_map(M) ->
    prints_nonlatin1_atom(maps:to_list(M));
prints_nonlatin1_atom(_) -> false.

%%% ------------------------------------------------------------ generator

categories() ->
    [small_int, int, big, float, atom_ascii, atom_latin1, atom_unicode,
     string, long_string, binary, big_binary, bitstring, remote_pid,
     remote_port, remote_ref, local, closure, export_fun, list,
     improper_list, tuple, big_tuple, map, big_map].

r(N) -> rand:uniform(N).
pick(L) when is_tuple(L) -> element(r(tuple_size(L)), L);
pick(L) -> lists:nth(r(length(L)), L).

excluded(C) -> lists:member(C, get(exclude)).

%% Weighted choice of a category; containers only while Depth > 0.
category(Depth) ->
    Leaves = [{small_int, 10}, {int, 10}, {big, 4}, {float, 8},
              {atom_ascii, 8}, {atom_latin1, 3}, {atom_unicode, 3},
              {string, 6}, {long_string, 0.004}, {binary, 5},
              {big_binary, 0.05}, {bitstring, 4}, {remote_pid, 2},
              {remote_port, 2}, {remote_ref, 2}, {local, 2}, {closure, 2},
              {export_fun, 1}],
    Containers = [{list, 6}, {improper_list, 2}, {tuple, 6},
                  {big_tuple, 0.05}, {map, 4}, {big_map, 0.15}],
    All = [{C, W} || {C, W} <- Leaves ++ [X || Depth > 0, X <- Containers],
                     not excluded(C)],
    Total = lists:sum([W || {_, W} <- All]),
    choose(rand:uniform() * Total, All).

choose(_, [{C, _}]) -> C;
choose(X, [{C, W} | _]) when X < W -> C;
choose(X, [{_, W} | T]) -> choose(X - W, T).

term(Depth) -> gen({category(Depth), Depth}).

gen({small_int, _}) -> pick({r(256) - 1, r(256) - 1, -r(256), 0});
gen({int, _}) -> int();
gen({big, _}) -> big();
gen({float, _}) -> float();
gen({atom_ascii, _}) -> pick(get(atoms_ascii));
gen({atom_latin1, _}) -> pick(get(atoms_latin1));
gen({atom_unicode, _}) -> pick(get(atoms_unicode));
gen({string, _}) ->
    Len = pick({r(10), r(100), r(300), 1}),
    case r(3) of
        1 -> [r(95) + 31 || _ <- lists:seq(1, Len)];
        _ -> [r(256) - 1 || _ <- lists:seq(1, Len)]
    end;
gen({long_string, _}) ->
    Len = pick({65535, 65536, 65534 + r(5000)}),
    [r(256) - 1 || _ <- lists:seq(1, Len)];
gen({binary, _}) -> rand:bytes(pick({0, r(8), r(64), r(300)}));
gen({big_binary, _}) -> rand:bytes(1000 + r(100000));
gen({bitstring, _}) ->
    B = rand:bytes(pick({0, r(4), r(40)})),
    K = r(7),
    <<B/binary, (r(1 bsl K) - 1):K>>;
gen({remote_pid, _}) ->
    binary_to_term(<<131, $X, (node_ext())/binary, (u32()):32,
                     (u32()):32, (creation()):32>>);
gen({remote_port, _}) ->
    case r(3) of
        1 -> binary_to_term(<<131, $Y, (node_ext())/binary,
                              (r(1 bsl 28) - 1):32, (creation()):32>>);
        _ -> binary_to_term(<<131, $x, (node_ext())/binary,
                              (pick({r(1 bsl 28), (1 bsl 28) + r(1 bsl 32),
                                     r(1 bsl 64) - 1, (1 bsl 64) - 1,
                                     1 bsl 32})):64,
                              (creation()):32>>)
    end;
gen({remote_ref, _}) ->
    %% No 1-word refs: OTP 25's internal hash of a remote ref with one
    %% word reads uninitialised words, so a hash map (> 32 keys) holding
    %% one as a key is not =:= to an identical decode of itself.
    Len = pick({3, 3, 3, 5, 5, 4, 2}),
    binary_to_term(<<131, $Z, Len:16, (node_ext())/binary, (creation()):32,
                     << <<(u32()):32>> || _ <- lists:seq(1, Len)>>/binary>>);
gen({local, _}) -> pick({self(), make_ref(), alias(), get(port),
                         hd(erlang:ports())});
gen({closure, D}) ->
    X = term(max(D - 1, 0)),
    Y = term(max(D - 1, 0)),
    mkfun(r(5), X, Y);
gen({export_fun, _}) ->
    pick({fun lists:map/2, fun erlang:'+'/2, fun ?MODULE:gen/1,
          erlang:make_fun('ñmod', 'λfun', 3),
          erlang:make_fun('Mod Q', 'f-g', 0),
          erlang:make_fun(pick(get(atoms_unicode)), pick(get(atoms_latin1)),
                          r(255))});
gen({list, D}) -> [term(D - 1) || _ <- lists:seq(1, r(8))];
gen({improper_list, D}) ->
    Tail = term(0),
    case is_list(Tail) of
        true -> [term(D - 1) | {Tail}];
        false -> [term(D - 1) || _ <- lists:seq(1, r(5))] ++ Tail
    end;
gen({tuple, D}) -> list_to_tuple([term(D - 1) || _ <- lists:seq(1, r(9) - 1)]);
gen({big_tuple, _}) -> list_to_tuple([term(0) || _ <- lists:seq(1, 255 + r(200))]);
gen({map, D}) -> maps:from_list([{term(D - 1), term(D - 1)}
                                 || _ <- lists:seq(1, r(9) - 1)]);
gen({big_map, D}) ->
    maps:from_list([{pick({r(100000), term(0)}), term(min(D - 1, 1))}
                    || _ <- lists:seq(1, 32 + r(70))]).

%% Closures of compiled code: NEW_FUN_EXT with 0..2 free variables.
mkfun(1, X, _) -> fun() -> X end;
mkfun(2, X, Y) -> fun(A) -> {A, X, Y} end;
mkfun(3, _, _) -> fun(A, B) -> A + B end;
mkfun(4, X, Y) -> fun(A, B, C) -> [A, B, C, X | Y] end;
mkfun(5, X, _) -> fun(A) -> [X | A] end.

int() ->
    case r(6) of
        1 -> edge_int() + r(5) - 3;
        2 -> edge_int();
        3 -> -edge_int();
        _ -> K = r(64), (r(1 bsl K) - 1) * pick({1, -1})
    end.

edge_int() ->
    pick({0, 255, 256, 1 bsl 27 - 1, 1 bsl 27, 1 bsl 27 + 1, 1 bsl 31 - 1,
          1 bsl 31, 1 bsl 32 - 1, 1 bsl 32, 1 bsl 63 - 1, 1 bsl 63,
          1 bsl 64 - 1, 1 bsl 64, 1 bsl 64 + 1, 1 bsl 53, 1 bsl 127,
          1 bsl 16}).

big() ->
    Bits = case r(20) of
               1 -> 2000 + r(?MAX_BIG_BITS - 2000);
               _ -> 64 + r(500)
           end,
    (1 bsl (Bits - 1) + r(1 bsl (Bits - 1)) - 1) * pick({1, -1}).

float() ->
    case r(3) of
        1 -> pick(get(floats));
        _ -> case rand:bytes(8) of
                 <<F/float>> -> F;
                 _ -> float() % NaN or infinity
             end
    end.

u32() -> pick({r(100), r(1 bsl 15), r(1 bsl 32) - 1, 0, 1 bsl 32 - 1,
               1 bsl 31, 1 bsl 31 - 1}).
creation() -> pick({0, 1, 2, 3, 4, r(1 bsl 32) - 1, 1 bsl 32 - 1}).

node_ext() -> atom_ext(pick(get(nodes))).

atom_ext(A) ->
    U = unicode:characters_to_binary(atom_to_list(A)),
    case byte_size(U) of
        L when L < 256 -> <<119, L, U/binary>>;
        L -> <<118, L:16, U/binary>>
    end.

init_pools() ->
    rand_atoms_init(),
    put(port, open_port({spawn, "true"}, [])),
    put(floats, [0.0, neg_zero(), 1.0, -1.5, 0.1, 5.0e-324, -5.0e-324,
                 2.2250738585072014e-308, 2.225073858507201e-308,
                 1.7976931348623157e308, -1.7976931348623157e308,
                 1.0e-300, 1.0e300, 3.141592653589793, 9007199254740993.0,
                 123456789.125, 0.0000005, 0.0000015, -0.0000025]),
    put(nodes, ['remote@host', 'ñode@høst', 'λ@ωmega', 'a@b',
                list_to_atom(lists:duplicate(200, $n) ++ "@h"),
                list_to_atom(lists:duplicate(120, 955) ++ "@h"),
                'node😀@host', 'other@127.0.0.1']).

neg_zero() -> <<F/float>> = <<1:1, 0:63>>, F.

%% A bounded atom vocabulary (the atom table is finite).
rand_atoms_init() ->
    Ascii = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@ "
            "'.-\\\"\n",
    Unicode = [955, 969, 8364, 20013, 25991, 1046, 128512, 128640, 65279,
               55295, 57344, 1114111, 256, 2047, 2048, 65535, 65536],
    Len = fun() -> pick({r(8), r(30), r(255), 255}) end,
    A = [list_to_atom([pick(Ascii) || _ <- lists:seq(1, Len())])
         || _ <- lists:seq(1, 1500)],
    L = [list_to_atom([r(255) || _ <- lists:seq(1, Len())])
         || _ <- lists:seq(1, 1000)],
    U = [list_to_atom([case r(3) of 1 -> pick(Unicode); 2 -> r(255);
                           _ -> pick(Ascii) end
                       || _ <- lists:seq(1, Len())])
         || _ <- lists:seq(1, 1000)],
    Fix = fun(As) -> [X || X <- As,
                           lists:any(fun(C) -> C > 255 end, atom_to_list(X))]
          end,
    put(atoms_ascii, ['', a, 'A', ok, true, false, 'hello world', 'a@b',
                      'with\nnewline', list_to_atom(lists:duplicate(255, $z))
                      | A]),
    put(atoms_latin1, ['é', 'café', 'ÿ', list_to_atom(lists:duplicate(255, 255)),
                       list_to_atom(lists:seq(1, 255)) | L]),
    put(atoms_unicode, ['λ', '😀', 'aλ', list_to_atom(lists:duplicate(255, 955)),
                        list_to_atom(lists:duplicate(255, 128512))
                        | Fix(U)]).

%%% ------------------------------------------------------------ diff_libei

%% Corpus sections.  Kind common: the two builds must print identically.
%% Kind known: libei's output is wrong; ei-rs must print the correct form
%% (the model libei_print(_, correct)), libei its known wrong form (the
%% model libei_print(_, libei), or a failure).  Kind rs_only: libei is
%% not fed these terms at all.
corpus() ->
    rand:seed(exsss, 20240601),
    put(exclude, []),
    init_pools(),
    Node = fun(A, Tag, Rest) ->
                   binary_to_term(<<131, Tag, (atom_ext(A))/binary, Rest/binary>>)
           end,
    Pid = fun(A, N, S, C) -> Node(A, $X, <<N:32, S:32, C:32>>) end,
    Port4 = fun(A, Id, C) -> Node(A, $x, <<Id:64, C:32>>) end,
    Port = fun(A, Id, C) -> Node(A, $Y, <<Id:32, C:32>>) end,
    Ref = fun(A, C, Ws) ->
                  binary_to_term(<<131, $Z, (length(Ws)):16, (atom_ext(A))/binary,
                                   C:32, << <<W:32>> || W <- Ws>>/binary>>)
          end,
    Ints = [0, 1, 255, 256, -1, -255, -256, 1 bsl 27 - 1, 1 bsl 27,
            -(1 bsl 27), -(1 bsl 27) - 1, 1 bsl 31 - 1, 1 bsl 31, -(1 bsl 31),
            -(1 bsl 31) - 1, 1 bsl 32, 1 bsl 63 - 1, 1 bsl 63, -(1 bsl 63),
            -(1 bsl 63) - 1, 1 bsl 64 - 1, -(1 bsl 64 - 1)],
    Bigs = [1 bsl 64, -(1 bsl 64), 1 bsl 64 + 1, 1 bsl 100, -(1 bsl 100) - 7,
            1 bsl 127 - 1, 16#123456789ABCDEF0123456789, 1 bsl 2000 - 1,
            -(1 bsl 4000) + 12345, 1 bsl 7000 + 1, 1 bsl 7900 + 99,
            -(1 bsl 7950)],
    Common =
        [{"ints", Ints},
         {"bigs", Bigs},
         {"floats", get(floats) ++ [2.5, -100.0, 1.0e15, 0.5e-6]},
         {"atoms", ['', a, 'A', ok, aB_9@x, 'a b', '_x', '9a', 'é', 'café',
                    'ÿx', 'with\nnewline', 'q\'uote', true, false,
                    list_to_atom(lists:duplicate(255, $z)),
                    list_to_atom(lists:duplicate(255, 255)),
                    list_to_atom(lists:seq(1, 255))]},
         {"strings", ["a", "hello world", "tab\there", "nl\nx\rx\vx\bx\fx",
                      [0, 1, 27, 31, 32, 126, 127], lists:seq(1, 127),
                      lists:duplicate(65535, $x), lists:duplicate(65536, $y),
                      "\"quoted\" and \\"]},
         {"lists", [[], [1, 2, 3], [a | b], [1, [2, [3 | 4]] | 5], [[]],
                    [[], []], [1000, 2000], lists:seq(250, 260)]},
         {"tuples", [{}, {a}, {1, {2, {3}}},
                     list_to_tuple(lists:seq(1, 255)),
                     list_to_tuple(lists:seq(1, 256))]},
         {"maps", [#{}, #{a => 1}, #{1 => #{2 => 3}, b => [x]},
                   maps:from_list([{I, I * I} || I <- lists:seq(1, 40)]),
                   maps:from_list([{list_to_atom([$k | integer_to_list(I)]), I}
                                   || I <- lists:seq(1, 33)])]},
         {"binaries", [<<>>, <<0>>, <<1, 2, 3>>, list_to_binary(lists:seq(0, 29)),
                       list_to_binary(lists:seq(0, 30)),
                       list_to_binary(lists:seq(0, 255))]},
         {"bitstrings", [<<1:1>>, <<5:3>>, <<255, 1:1>>, <<1, 2, 3, 127:7>>,
                         <<(list_to_binary(lists:seq(1, 29)))/binary, 3:2>>,
                         <<(list_to_binary(lists:seq(1, 30)))/binary, 3:2>>,
                         <<(list_to_binary(lists:seq(1, 31)))/binary, 1:1>>]},
         {"pids", [self(), Pid('remote@host', 1, 2, 3),
                   Pid('ñode@høst', 0, 0, 0), Pid('λ@ωmega', 5, 6, 7),
                   Pid('a@b', 1 bsl 31 - 1, 1 bsl 31 - 1, 1 bsl 31 - 1)]},
         {"ports", [hd(erlang:ports()), Port('remote@host', 5, 1),
                    Port4('a@b', 1 bsl 28, 2), Port4('ñode@høst', 1 bsl 31 - 1, 0),
                    Port('λ@ωmega', 1 bsl 28 - 1, 1 bsl 31 - 1)]},
         {"refs", [make_ref(), alias(),
                   Ref('remote@host', 1, [1, 2, 3]),
                   Ref('ñode@høst', 0, [1]), Ref('a@b', 7, [1, 2]),
                   Ref('a@b', 1 bsl 31 - 1, [1 bsl 31 - 1, 0, 5, 6, 7])]},
         {"funs", [mkfun(1, a, b), mkfun(2, [1], "x"), mkfun(3, x, y),
                   fun lists:map/2, fun erlang:'+'/2,
                   erlang:make_fun('ñmod', 'λfun', 3),
                   erlang:make_fun('Mod Q', 'f-g', 0)]},
         {"nested", [{a, [1, "str", <<1, 2>>, #{k => {v, 1.5}}], [x | y]},
                     [#{[1] => {<<7:3>>, self()}}, {{{{}}}}]]},
         {"random", lists:filter(fun(T) -> common_ok(T) end,
                                 [term(3) || _ <- lists:seq(1, 1500)])}],
    Known =
        [{"known_string_high_bytes",
          ["caf\x{e9}", [128, 255, 200, 10, 65], lists:seq(128, 255),
           {tag, [233]}, [[300, "\x{ff}"]]]},
         {"known_nonlatin1_atom",
          ['λ', 'aλ', '😀', list_to_atom(lists:duplicate(255, 128512)),
           {ok, 'λ'}, [1, 'ω' | 'é'], #{'λ' => 1}]},
         {"known_port_id_unsigned",
          [Port4('remote@host', 1 bsl 31, 1), Port4('a@b', 1 bsl 32, 1),
           Port4('a@b', 1 bsl 32 + 5, 1), Port4('a@b', 1 bsl 64 - 1, 4),
           Port('a@b', 5, 1 bsl 32 - 1), Port4('a@b', 1 bsl 40, 1 bsl 31),
           [Port4('a@b', 16#FFFFFFFFFFFF, 3)]]},
         {"known_ref_words_unsigned",
          [Ref('a@b', 1, [1 bsl 32 - 1, 1 bsl 31, 5]),
           Ref('remote@host', 9, [1, 2, 3, 4, 1 bsl 32 - 1]),
           {Ref('a@b', 3, [16#DEADBEEF])}]},
         {"known_pid_unsigned",
          [Pid('a@b', 1 bsl 31, 1 bsl 32 - 1, 1),
           Pid('remote@host', 1 bsl 32 - 1, 0, 1 bsl 32 - 1)]}],
    RsOnly =
        [{"rs_only_huge_bignum",
          [1 bsl 7990, -(1 bsl 8000) - 1, 1 bsl 20000 - 1,
           {[1 bsl 10000]}]}],
    %% Live values (make_ref(), alias(), self()) may by chance hit a known
    %% difference (a reference word >= 2^31): those go to the known kind.
    [{S, common, T} || {S, Ts} <- Common, T <- Ts, common_ok(T)] ++
        [{S, known, T} || {S, Ts} <- Common, T <- Ts, not common_ok(T)] ++
        [{S, known, T} || {S, Ts} <- Known, T <- Ts] ++
        [{S, rs_only, T} || {S, Ts} <- RsOnly, T <- Ts].

%% Random terms for the common section: only those without known
%% differences (by the model) and without huge bignums.
common_ok(T) ->
    B = term_to_binary(T),
    try libei_print(B, libei) =:= libei_print(B, correct)
    catch _:_ -> false
    end.

diff_libei(O) ->
    Dir = maps:get(workdir, O),
    SelfCheck = maps:get(self_check, O, false),
    ok = filelib:ensure_dir(filename:join(Dir, "x")),
    Entries = corpus(),
    CorpusFile = filename:join(Dir, "print_corpus.bin"),
    ok = file:write_file(CorpusFile,
                         [begin
                              Flags = case K of rs_only -> 1; _ -> 0 end,
                              B = term_to_binary(T),
                              P = <<Flags, (length(S)), (list_to_binary(S))/binary,
                                    B/binary>>,
                              [<<(byte_size(P)):32>>, P]
                          end || {S, K, T} <- Entries]),
    io:format("diff_libei: ~p corpus terms in ~s~n", [length(Entries), CorpusFile]),
    OtpOut = filename:join(Dir, "diff_otp.txt"),
    RsOut = filename:join(Dir, "diff_rs.txt"),
    Otp = run_diff_prog(maps:get(otp, O), CorpusFile, OtpOut),
    Errs0 = case SelfCheck of
                true -> [];
                false ->
                    Rs = run_diff_prog(maps:get(rs, O), CorpusFile, RsOut),
                    compare_a(Otp, Rs) ++ compare_b(Entries, Otp, Rs)
            end,
    Errs = Errs0 ++ model_check(Entries, Otp, libei),
    case Errs of
        [] ->
            io:format("diff_libei: OK (~s)~n",
                      [case SelfCheck of
                           true -> "self-check of libei against the model";
                           false -> "ei-rs matches libei; known differences "
                                    "have the correct form"
                       end]),
            0;
        _ ->
            [io:format("~s~n", [E]) || E <- lists:sublist(Errs, 40)],
            io:format("diff_libei: FAILED with ~p problems~n", [length(Errs)]),
            1
    end.

run_diff_prog(Prog, Corpus, Out) ->
    _ = file:delete(Out),
    case exec(Prog, [Corpus, Out]) of
        {0, _} -> ok;
        {St, Txt} -> error({program_failed, Prog, St, Txt})
    end,
    {ok, Data} = file:read_file(Out),
    parse_diff_output(Data).

%% Output: part A lines ("A ..."), then part B records
%% "B <i> <section> <meta...> len=<n>\n<n bytes>\n".
parse_diff_output(Data) -> parse_out(Data, [], #{}).

parse_out(<<>>, A, B) -> {lists:reverse(A), B};
parse_out(Data, A, B) ->
    [Line, Rest] = binary:split(Data, <<"\n">>),
    case Line of
        <<"B ", _/binary>> ->
            Words = binary:split(Line, <<" ">>, [global]),
            [_, IB, Sec | Meta] = Words,
            <<"len=", LB/binary>> = lists:last(Meta),
            Len = binary_to_integer(LB),
            <<Printed:Len/binary, "\n", Rest2/binary>> = Rest,
            I = binary_to_integer(IB),
            parse_out(Rest2, A, B#{I => {Sec, lists:droplast(Meta), Printed}});
        _ ->
            parse_out(Rest, [Line | A], B)
    end.

compare_a({OtpA, _}, {RsA, _}) ->
    Diff = [io_lib:format("encode differs:~n  libei: ~s~n  ei-rs: ~s",
                          [trunc_line(X), trunc_line(Y)])
            || {X, Y} <- zip_pad(OtpA, RsA), X =/= Y, not lenient(X, Y)],
    case Diff of
        [] -> io:format("part A (encode): ~p lines identical~n", [length(OtpA)]),
              [];
        _ -> Diff
    end.

%% "bar" lines: libei's ei_x_format does not understand `|` (it writes
%% the elements with no list header, or treats `|` as a comma); ei-rs must
%% encode the improper list the format describes.
lenient(X, Y) ->
    case binary:match(X, <<" bar ">>) of
        nomatch -> lenient_nonfinite(X, Y);
        _ -> known_bar(Y)
    end.

known_bar(Y) ->
    Expected = #{<<"improper">> => [1, 2 | 3], <<"improper2">> => [1, 2],
                 <<"list">> => [-1, 2 | t]},
    Words = binary:split(Y, <<" ">>, [global]),
    [Label | _] = tl(lists:dropwhile(fun(W) -> W =/= <<"bar">> end, Words)),
    Hex = lists:last(Words),
    %% The buffer starts with two marker bytes (01 02), then the encoding.
    <<1, 2, Enc/binary>> = binary:decode_hex(Hex),
    Ext = case Enc of <<131, _/binary>> -> Enc; _ -> <<131, Enc/binary>> end,
    lists:member(<<"rc=0">>, Words) andalso
        (catch binary_to_term(Ext)) =:= maps:get(Label, Expected).

%% "nonfinite" lines: libei's bytes or a -1 from ei-rs are both fine.
lenient_nonfinite(<<"A ", _/binary>> = X, Y) ->
    case binary:split(X, <<"nonfinite ">>) of
        [Pre, Rest] when byte_size(Pre) < 6 ->
            [Label | _] = binary:split(Rest, <<" null_rc=">>),
            [LabelX | _] = binary:split(Rest, <<" rc=">>),
            Y =:= <<Pre/binary, "nonfinite ", Label/binary, " null_rc=-1 rc=-1">>
                orelse Y =:= <<Pre/binary, "nonfinite ", LabelX/binary, " rc=-1">>;
        _ -> false
    end;
lenient_nonfinite(_, _) -> false.

trunc_line(L) when byte_size(L) > 300 -> [binary:part(L, 0, 300), "..."];
trunc_line(L) -> L.

zip_pad([], []) -> [];
zip_pad([X | Xs], []) -> [{X, <<"(missing)">>} | zip_pad(Xs, [])];
zip_pad([], [Y | Ys]) -> [{<<"(missing)">>, Y} | zip_pad([], Ys)];
zip_pad([X | Xs], [Y | Ys]) -> [{X, Y} | zip_pad(Xs, Ys)].

compare_b(Entries, {_, OtpB}, {_, RsB}) ->
    {Errs, Counts} =
        lists:foldl(
          fun({{S, K, T}, I}, {Es, C}) ->
                  Bin = term_to_binary(T),
                  E = check_entry(K, S, I, Bin, maps:get(I, OtpB, missing),
                                  maps:get(I, RsB, missing)),
                  {E ++ Es, maps:update_with(K, fun(X) -> X + 1 end, 1, C)}
          end, {[], #{}}, lists:zip(Entries, lists:seq(0, length(Entries) - 1))),
    io:format("part B (print): checked ~p~n", [Counts]),
    lists:reverse(Errs).

check_entry(_, S, I, Bin, _, missing) ->
    %% (an rs_only entry is missing from libei's output by design)
    [io_lib:format("#~p ~s: no ei-rs output for ~w", [I, S, Bin])];
check_entry(common, S, I, Bin, Otp, Rs) ->
    [io_lib:format("#~p ~s: print differs for ~s~n  libei: ~p ~s~n  ei-rs: ~p ~s",
                   [I, S, show_bin(Bin), element(2, Otp), show_text(element(3, Otp)),
                    element(2, Rs), show_text(element(3, Rs))]) || Otp =/= Rs];
check_entry(known, S, I, Bin, {_, OtpMeta, _} = Otp, {_, RsMeta, RsP}) ->
    Correct = iolist_to_binary(libei_print(Bin, correct)),
    [io_lib:format("#~p ~s: metadata differs for ~s~n  libei: ~p~n  ei-rs: ~p",
                   [I, S, show_bin(Bin), Otp, RsMeta])
     || lists:sublist(OtpMeta, 3) =/= lists:sublist(RsMeta, 3)] ++
    [io_lib:format("#~p ~s: ei-rs printed ~s (~s)~n  expected ~s",
                   [I, S, show_text(RsP), lists:last(RsMeta), show_text(Correct)])
     || not (lists:last(RsMeta) =/= <<"rc=-1">> andalso RsP =:= Correct)];
check_entry(rs_only, S, I, _Bin, _, {_, RsMeta, RsP}) ->
    %% No libei output to compare with: the model gives the correct form.
    Correct = iolist_to_binary(libei_print(_Bin, correct)),
    [io_lib:format("#~p ~s: ei-rs printed ~s (~s)~n  expected ~s",
                   [I, S, show_text(RsP), lists:last(RsMeta), show_text(Correct)])
     || not (lists:last(RsMeta) =/= <<"rc=-1">> andalso RsP =:= Correct)].

show_text(B) when byte_size(B) > 300 ->
    io_lib:format("~p... (~p bytes)", [binary:part(B, 0, 300), byte_size(B)]);
show_text(B) -> io_lib:format("~p", [B]).

%% Check libei's output against the model: it must print exactly
%% libei_print(_, libei), or fail where the model says libei fails.
model_check(Entries, {_, OtpB}, Mode) ->
    lists:append(
      [begin
           Bin = term_to_binary(T),
           Expected = try {ok, iolist_to_binary(libei_print(Bin, Mode))}
                      catch throw:libei_fails -> fails end,
           case {maps:get(I, OtpB, missing), Expected} of
               {missing, _} when K =:= rs_only -> [];
               {{_, Meta, P}, {ok, P}} ->
                   [io_lib:format("#~p ~s: libei printed ~p but rc ~p", [I, S, P, Meta])
                    || lists:last(Meta) =:= <<"rc=-1">>];
               {{_, Meta, _}, fails} ->
                   [io_lib:format("#~p ~s: libei expected to fail, got ~p", [I, S, Meta])
                    || lists:last(Meta) =/= <<"rc=-1">>];
               {Got, _} ->
                   [io_lib:format("#~p ~s: libei output ~p differs from model ~p for ~s",
                                  [I, S, Got, Expected, show_bin(Bin)])]
           end
       end || {{S, K, T}, I} <- lists:zip(Entries, lists:seq(0, length(Entries) - 1))]).

%%% ------------------------------------------------------------ print model

%% The output of ei_s_print_term for an external-format binary, as libei
%% prints it (Mode = libei: signed 32-bit port ids, reference words, pid
%% numbers and creations; sign-extended string bytes >= 0x80; throws
%% libei_fails on an atom outside Latin-1) or as it should be (Mode =
%% correct: unsigned numbers, \xNN, atoms outside Latin-1 as UTF-8).
libei_print(<<131, B/binary>>, Mode) ->
    {Out, <<>>} = pt(B, Mode),
    Out.

pt(<<97, I, R/binary>>, _) -> {integer_to_list(I), R};
pt(<<98, I:32/signed, R/binary>>, _) -> {integer_to_list(I), R};
pt(<<110, N, S, D:N/binary, R/binary>>, _) -> {big(S, D), R};
pt(<<111, N:32, S, D:N/binary, R/binary>>, _) -> {big(S, D), R};
pt(<<70, F:64/float, R/binary>>, _) -> {fmt_f(F), R};
pt(<<70, _:64, _/binary>>, _) -> error(non_finite_float);
pt(<<T, _/binary>> = B, Mode) when T =:= 100; T =:= 115; T =:= 118; T =:= 119 ->
    {Chars, R} = atom_chars(B),
    Bytes = case lists:all(fun(C) -> C =< 255 end, Chars) of
                true -> Chars;
                false when Mode =:= libei -> throw(libei_fails);
                false -> binary_to_list(unicode:characters_to_binary(Chars))
            end,
    Quote = case Bytes of
                [C0 | _] when C0 >= $a, C0 =< $z ->
                    not lists:all(fun(C) -> (C >= $a andalso C =< $z) orelse
                                                (C >= $A andalso C =< $Z) orelse
                                                (C >= $0 andalso C =< $9) orelse
                                                C =:= $_ orelse C =:= $@
                                  end, Bytes);
                _ -> true
            end,
    {[[$' || Quote], Bytes, [$' || Quote]], R};
pt(<<88, B/binary>>, Mode) ->
    {Node, <<N:32, S:32, _C:32, R/binary>>} = node_utf8(B),
    {["<", Node, ".", u32(N, Mode), ".", u32(S, Mode), ">"], R};
pt(<<89, B/binary>>, Mode) ->
    {_Node, <<Id:32, C:32, R/binary>>} = node_utf8(B),
    {["#Port<", u32(Id, Mode), ".", u32(C, Mode), ">"], R};
pt(<<120, B/binary>>, Mode) ->
    {_Node, <<Id:64, C:32, R/binary>>} = node_utf8(B),
    IdS = case Mode of
              libei -> u32(Id band 16#FFFFFFFF, libei);
              correct -> integer_to_list(Id)
          end,
    {["#Port<", IdS, ".", u32(C, Mode), ">"], R};
pt(<<90, Len:16, B/binary>>, Mode) ->
    {_Node, <<_C:32, Ws:Len/binary-unit:32, R/binary>>} = node_utf8(B),
    {["#Ref<", lists:join(".", [u32(W, Mode) || <<W:32>> <= Ws]), ">"], R};
pt(<<106, R/binary>>, _) -> {"[]", R};
pt(<<107, Len:16, S:Len/binary, R/binary>>, Mode) ->
    {[$", [str_char(C, Mode) || <<C>> <= S], $"], R};
pt(<<108, N:32, B/binary>>, Mode) ->
    {Es, R1} = pts(N, B, Mode),
    {Tail, R2} = case R1 of
                     <<106, R/binary>> -> {"", R};
                     _ -> {T, R} = pt(R1, Mode), {[" | ", T], R}
                 end,
    {["[", lists:join(", ", Es), Tail, "]"], R2};
pt(<<104, N, B/binary>>, Mode) -> tuple(N, B, Mode);
pt(<<105, N:32, B/binary>>, Mode) -> tuple(N, B, Mode);
pt(<<116, N:32, B/binary>>, Mode) ->
    {KVs, R} = pts(2 * N, B, Mode),
    {["#{", lists:join(", ", pairs(KVs)), "}"], R};
pt(<<109, Len:32, D:Len/binary, R/binary>>, _) ->
    Shown = binary:part(D, 0, min(Len, 30)),
    {["#Bin<", lists:join(",", [integer_to_list(X) || <<X>> <= Shown]),
      [",..." || Len > 30], ">"], R};
pt(<<77, Len:32, Bits, D:Len/binary, R/binary>>, _) ->
    Body = case Len > 30 of
               true ->
                   [lists:join(",", [integer_to_list(X)
                                     || <<X>> <= binary:part(D, 0, 30)]), ",..."];
               false ->
                   Full = [integer_to_list(X) || <<X>> <= binary:part(D, 0, Len - 1)],
                   <<Last>> = binary:part(D, Len - 1, 1),
                   lists:join(",", Full ++ [[integer_to_list(Last bsr (8 - Bits)),
                                             ":", integer_to_list(Bits)]])
           end,
    {["#Bits<", Body, ">"], R};
pt(<<112, Size:32, _/binary>> = B, _) ->
    <<112, _:32, _Arity, _:16/binary, Index:32/signed, _NFree:32,
      Rest/binary>> = B,
    {Mod, R1} = atom_chars(Rest),
    {_OldIndex, R2} = int_ext(R1),
    {OldUniq, _} = int_ext(R2),
    <<_:(Size + 1)/binary, R/binary>> = B,
    {["#Fun{", unicode:characters_to_binary(Mod), ".", integer_to_list(Index), ".",
      integer_to_list(OldUniq), "}"], R};
pt(<<113, B/binary>>, _) ->
    {Mod, R1} = atom_chars(B),
    {Fun, R2} = atom_chars(R1),
    {Arity, R} = int_ext(R2),
    {["fun ", unicode:characters_to_binary(Mod), ":",
      unicode:characters_to_binary(Fun), "/", integer_to_list(Arity)], R}.

pts(0, B, _) -> {[], B};
pts(N, B, Mode) ->
    {E, R1} = pt(B, Mode),
    {Es, R} = pts(N - 1, R1, Mode),
    {[E | Es], R}.

tuple(N, B, Mode) ->
    {Es, R} = pts(N, B, Mode),
    {["{", lists:join(", ", Es), "}"], R}.

pairs([K, V | T]) -> [[K, " => ", V] | pairs(T)];
pairs([]) -> [].

int_ext(<<97, I, R/binary>>) -> {I, R};
int_ext(<<98, I:32/signed, R/binary>>) -> {I, R}.

atom_chars(<<100, L:16, S:L/binary, R/binary>>) -> {binary_to_list(S), R};
atom_chars(<<115, L, S:L/binary, R/binary>>) -> {binary_to_list(S), R};
atom_chars(<<118, L:16, S:L/binary, R/binary>>) -> {unicode:characters_to_list(S), R};
atom_chars(<<119, L, S:L/binary, R/binary>>) -> {unicode:characters_to_list(S), R}.

node_utf8(B) ->
    {Chars, R} = atom_chars(B),
    {unicode:characters_to_binary(Chars), R}.

u32(N, libei) when N >= 1 bsl 31 -> integer_to_list(N - (1 bsl 32));
u32(N, _) -> integer_to_list(N).

str_char(C, libei) when C >= 128 ->
    ["\\x", string:lowercase(integer_to_list(16#FFFFFF00 bor C, 16))];
str_char(C, correct) when C >= 128 ->
    ["\\x", string:lowercase(integer_to_list(C, 16))];
str_char(C, _) when C >= 32 -> C;
str_char($\n, _) -> "\\n";
str_char($\r, _) -> "\\r";
str_char($\t, _) -> "\\t";
str_char($\v, _) -> "\\v";
str_char($\b, _) -> "\\b";
str_char($\f, _) -> "\\f";
str_char(C, _) -> ["\\x", string:lowercase(integer_to_list(C, 16))].

big(S, D) ->
    N = binary:decode_unsigned(D, little),
    Sign = [$- || S =/= 0],
    case byte_size(D) =< 8 of
        true -> [Sign, integer_to_list(N)];
        false -> [Sign, "16#", integer_to_list(N, 16)]
    end.

%% C's printf("%f"): the exact binary value rounded half-even to 6 places.
fmt_f(F) ->
    <<S:1, E:11, M0:52>> = <<F/float>>,
    {M, Exp} = case E of
                   0 -> {M0, -1074};
                   _ -> {M0 + (1 bsl 52), E - 1075}
               end,
    Scaled = M * 1000000,
    Q = if Exp >= 0 -> Scaled bsl Exp;
           true ->
                Den = 1 bsl (-Exp),
                Q0 = Scaled div Den,
                Rem = Scaled rem Den,
                if 2 * Rem > Den -> Q0 + 1;
                   2 * Rem =:= Den -> Q0 + (Q0 band 1);
                   true -> Q0
                end
        end,
    Frac = integer_to_list(Q rem 1000000),
    [[$- || S =:= 1], integer_to_list(Q div 1000000), ".",
     lists:duplicate(6 - length(Frac), $0), Frac].

%%% ------------------------------------------------------------ helpers

exec(Prog, Args) ->
    Port = open_port({spawn_executable, Prog},
                     [{args, Args}, exit_status, stderr_to_stdout, binary]),
    collect(Port, []).

collect(Port, Acc) ->
    receive
        {Port, {data, D}} -> collect(Port, [Acc, D]);
        {Port, {exit_status, St}} -> {St, iolist_to_binary(Acc)}
    end.

unframe(<<>>) -> [];
unframe(<<L:32, B:L/binary, R/binary>>) -> [B | unframe(R)].
