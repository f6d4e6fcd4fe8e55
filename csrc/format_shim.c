/*
 * ei_x_format and ei_x_format_wo_ver are variadic, which stable Rust cannot
 * define. The exported symbols are naked Rust functions (src/ffi/format.rs)
 * that jump here with the caller's registers and stack untouched; these
 * shims hand the va_list to the Rust parser, which pulls each argument, in
 * order, through the typed accessors below.
 */
#include <stdarg.h>

typedef struct ei_x_buff_TAG ei_x_buff;
typedef struct erlang_pid_s erlang_pid;

int ei_rs_x_format(ei_x_buff *x, const char *fmt, va_list *ap, int with_version);

#define HIDDEN __attribute__((visibility("hidden")))

HIDDEN int ei_rs_x_format_entry(ei_x_buff *x, const char *fmt, ...)
{
    va_list ap;
    int r;
    va_start(ap, fmt);
    r = ei_rs_x_format(x, fmt, &ap, 1);
    va_end(ap);
    return r;
}

HIDDEN int ei_rs_x_format_wo_ver_entry(ei_x_buff *x, const char *fmt, ...)
{
    va_list ap;
    int r;
    va_start(ap, fmt);
    r = ei_rs_x_format(x, fmt, &ap, 0);
    va_end(ap);
    return r;
}

HIDDEN int ei_rs_va_int(va_list *ap) { return va_arg(*ap, int); }
HIDDEN long ei_rs_va_long(va_list *ap) { return va_arg(*ap, long); }
HIDDEN unsigned long ei_rs_va_ulong(va_list *ap) { return va_arg(*ap, unsigned long); }
HIDDEN double ei_rs_va_double(va_list *ap) { return va_arg(*ap, double); }
HIDDEN const char *ei_rs_va_str(va_list *ap) { return va_arg(*ap, const char *); }
HIDDEN const erlang_pid *ei_rs_va_pid(va_list *ap) { return va_arg(*ap, const erlang_pid *); }
