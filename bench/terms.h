/*
 * The codec benchmark's term mix, written once and compiled twice by
 * ei_bench.c: into a fixed buffer (ei_encode_*) and into an ei_x_buff
 * (ei_x_encode_*).  The includer defines
 *
 *   TERM_FN(name)   the function name for this flavour
 *   TERM_ARGS       its parameters (char *buf, int *idx) or (ei_x_buff *x)
 *   E_xxx(...)      one encode call each; they return -1 from the function
 *                   on failure
 *
 * and the data tables (bench_data.h).  Every term here is about 1 KiB
 * encoded, except t_bin4k (a 4 KiB binary).
 */

/* [I1, ..., I160]: integers of every width and signedness. */
static int TERM_FN(t_ints)(TERM_ARGS)
{
    int i;
    E_LIST(N_INTS);
    for (i = 0; i < N_INTS; i++) {
        switch (int_kind[i]) {
        case IK_LONG: E_LONG((long)int_vals[i]); break;
        case IK_ULONG: E_ULONG((unsigned long)int_vals[i]); break;
        case IK_LONGLONG: E_LONGLONG((long long)int_vals[i]); break;
        case IK_ULONGLONG: E_ULONGLONG((unsigned long long)int_vals[i]); break;
        case IK_CHAR: E_CHAR((char)int_vals[i]); break;
        default: E_BOOLEAN((int)(int_vals[i] & 1)); break;
        }
    }
    E_NIL();
    return 0;
}

/* {D1, A1, D2, A2, ...}: doubles and atoms, some of them UTF-8. */
static int TERM_FN(t_floats_atoms)(TERM_ARGS)
{
    int i;
    E_TUPLE(N_DOUBLES + N_ATOMS);
    for (i = 0; i < N_DOUBLES; i++)
        E_DOUBLE(doubles[i]);
    for (i = 0; i < N_ATOMS; i++) {
        if (atoms_utf8[i % N_ATOM_NAMES])
            E_ATOM_UTF8(atom_names[i % N_ATOM_NAMES]);
        else
            E_ATOM(atom_names[i % N_ATOM_NAMES]);
    }
    return 0;
}

/* {["string", ...], [<<16 bytes>>, ...]} */
static int TERM_FN(t_strings_bins)(TERM_ARGS)
{
    int i;
    E_TUPLE(2);
    E_LIST(N_STRINGS);
    for (i = 0; i < N_STRINGS; i++)
        E_STRING(strings[i]);
    E_NIL();
    E_LIST(N_BIN16);
    for (i = 0; i < N_BIN16; i++)
        E_BINARY(bin_data + i, 16);
    E_NIL();
    return 0;
}

/* [{Pid, Ref, Int, Atom}, ...] */
static int TERM_FN(t_pids_refs)(TERM_ARGS)
{
    int i;
    E_LIST(N_PIDS);
    for (i = 0; i < N_PIDS; i++) {
        E_TUPLE(4);
        E_PID(&pids[i]);
        E_REF(&refs[i]);
        E_LONG(100000L + i);
        E_ATOM(atom_names[i % 4]);
    }
    E_NIL();
    return 0;
}

/* #{K => #{K => #{K => V}}}: maps nested three deep, 4 x 4 x 4. */
static int TERM_FN(t_map3)(TERM_ARGS)
{
    int a, b, c;
    E_MAP(4);
    for (a = 0; a < 4; a++) {
        E_ATOM(map_keys[a]);
        E_MAP(4);
        for (b = 0; b < 4; b++) {
            E_ATOM(map_keys[4 + b]);
            E_MAP(4);
            for (c = 0; c < 4; c++) {
                E_ATOM(map_keys[8 + c]);
                switch (c) {
                case 0: E_LONG((long)(a * 1000 + b * 10)); break;
                case 1: E_DOUBLE(doubles[a + b]); break;
                case 2: E_ATOM_UTF8(atom_names[(a + b) % N_ATOM_NAMES]); break;
                default: E_BINARY(bin_data + a + b, 16); break;
                }
            }
        }
    }
    return 0;
}

/* {blob, <<4096 bytes>>, 42} */
static int TERM_FN(t_bin4k)(TERM_ARGS)
{
    E_TUPLE(3);
    E_ATOM("blob");
    E_BINARY(bin_data, 4096);
    E_LONG(42);
    return 0;
}

/* [{request, Pid, Ref, [1..10], "string", <<16>>, 3.14, 'héllo',
     #{a => 1, b => [1,2,3]}, {1, {2, {3}}}} x 4] */
static int TERM_FN(t_mixed)(TERM_ARGS)
{
    int r, i;
    E_LIST(4);
    for (r = 0; r < 4; r++) {
        E_TUPLE(10);
        E_ATOM("request");
        E_PID(&pids[r]);
        E_REF(&refs[r]);
        E_LIST(10);
        for (i = 0; i < 10; i++)
            E_LONG((long)int_vals[r * 10 + i]);
        E_NIL();
        E_STRING(strings[r]);
        E_BINARY(bin_data + r, 16);
        E_DOUBLE(doubles[r]);
        E_ATOM_UTF8(atom_names[4]);
        E_MAP(2);
        E_ATOM("a");
        E_LONG(1);
        E_ATOM("b");
        E_LIST(3);
        E_LONG(1);
        E_LONG(2);
        E_LONG(3);
        E_NIL();
        E_TUPLE(2);
        E_LONG(1);
        E_TUPLE(2);
        E_LONG(2);
        E_TUPLE(1);
        E_LONG(3);
    }
    E_NIL();
    return 0;
}
