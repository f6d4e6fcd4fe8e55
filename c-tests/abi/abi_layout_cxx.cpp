// The ABI layout program compiled as C++: checks that <ei.h> compiles in C++
// (extern "C", no C-only constructs) and that C++ sees the same layout.
#include "abi_layout.c"
