/*
 * Part of the libei.a we ship (scripts/prelink-static.sh), not of cargo's
 * builds.  That archive carries its own copy of GCC's unwinder (libgcc_eh,
 * every symbol local), so that a program linking it does not load
 * libgcc_s.so just for Rust's panics, which never leave the library.
 *
 * The copy finds a function's frame description (FDE) through the
 * PT_GNU_EH_FRAME segment of the object holding it, which the linker makes
 * for executables, PIEs, static PIEs and shared libraries, but not for
 * static non-PIE executables (gcc -static passes no --eh-frame-hdr): there,
 * crtbeginT.o registers the program's .eh_frame with the program's own
 * unwinder (libgcc_eh, linked in by the compiler driver).  So the copy's
 * lookup is this function: the copy's own (its _Unwind_Find_FDE, renamed
 * ei_rs_libgcc_find_fde), then the program's, if it has one.
 *
 * ei_rs_program_find_fde becomes a weak reference to _Unwind_Find_FDE once
 * the copy's symbols, this function included, are local.
 */
#include <stddef.h>

struct ei_rs_dwarf_eh_bases {
    void *tbase;
    void *dbase;
    void *func;
};

const void *ei_rs_libgcc_find_fde(void *pc, struct ei_rs_dwarf_eh_bases *bases);
extern const void *ei_rs_program_find_fde(void *pc, struct ei_rs_dwarf_eh_bases *bases)
    __attribute__((weak));

const void *_Unwind_Find_FDE(void *pc, struct ei_rs_dwarf_eh_bases *bases);

const void *_Unwind_Find_FDE(void *pc, struct ei_rs_dwarf_eh_bases *bases)
{
    const void *fde = ei_rs_libgcc_find_fde(pc, bases);
    if (fde == NULL && ei_rs_program_find_fde != NULL)
        fde = ei_rs_program_find_fde(pc, bases);
    return fde;
}
