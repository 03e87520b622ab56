#ifndef AGENTHOST_CFFI_SHIM_H
#define AGENTHOST_CFFI_SHIM_H
#include <ffi.h>

/* libffi's type descriptors are mutable C globals; Swift 6 refuses to touch
 * those from concurrent code, so hand out their addresses through functions.
 * libffi never writes to the builtin descriptors after start-up. */
static inline ffi_type *cffi_type_void(void) { return &ffi_type_void; }
static inline ffi_type *cffi_type_sint32(void) { return &ffi_type_sint32; }
static inline ffi_type *cffi_type_sint64(void) { return &ffi_type_sint64; }
static inline ffi_type *cffi_type_double(void) { return &ffi_type_double; }
static inline ffi_type *cffi_type_uint8(void) { return &ffi_type_uint8; }
static inline ffi_type *cffi_type_pointer(void) { return &ffi_type_pointer; }
static inline ffi_abi cffi_default_abi(void) { return FFI_DEFAULT_ABI; }
#endif
