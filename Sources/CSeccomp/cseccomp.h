// libseccomp (Debian's libseccomp-dev) for Swift, plus thin, logic-free stand-ins for
// the function-like macros and the variadic syscall(2) that Swift cannot call.
#ifndef HAKO_CSECCOMP_H
#define HAKO_CSECCOMP_H

#include <seccomp.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/filter.h>

// SCMP_ACT_ERRNO(x) and SCMP_ACT_TRACE(x) from <seccomp.h>.
static inline uint32_t hako_scmp_act_errno(uint16_t errno_value) {
    return SCMP_ACT_ERRNO(errno_value);
}

static inline uint32_t hako_scmp_act_trace(uint16_t message) {
    return SCMP_ACT_TRACE(message);
}

// seccomp(SECCOMP_SET_MODE_FILTER, flags, prog) (seccomp(2)); glibc has no wrapper.
// Returns what the kernel returns: 0, a listener fd (with SECCOMP_FILTER_FLAG_NEW_LISTENER),
// or -1 with errno set.
static inline long hako_seccomp_set_mode_filter(unsigned int flags, const struct sock_fprog *prog) {
    return syscall(SYS_seccomp, 1 /* SECCOMP_SET_MODE_FILTER */, flags, prog);
}

// memfd_create(name, MFD_CLOEXEC) (memfd_create(2)), a scratch file for seccomp_export_bpf.
static inline int hako_seccomp_memfd(const char *name) {
    return (int)syscall(SYS_memfd_create, name, 1U /* MFD_CLOEXEC */);
}

#endif
