#!/usr/bin/env python3
"""Runs a command on which some system calls fail with ENOSYS, as on a kernel too old to have
them or under a seccomp profile that refuses them (Docker's default one refuses clone3), or
with another errno, as older profiles refuse them (EPERM).

usage: without-syscalls.py [--open PATH] [--errno N] NUMBER[,NUMBER...] COMMAND [ARGUMENT...]

The numbers are those of the calls (clone3 is 435, close_range 436, openat2 437 on x86_64 and
arm64). A seccomp filter is installed, which needs CAP_SYS_ADMIN or no_new_privs; this runs as
root. --open leaves PATH open, inherited by COMMAND, as an engine's stray descriptor would be.
"""
import ctypes
import os
import struct
import sys

ENOSYS = 38
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
BPF_LD_W_ABS, BPF_JEQ_K, BPF_RET_K = 0x20, 0x15, 0x06
SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO = 0x7FFF0000, 0x00050000


def instruction(code, jt, jf, k):
    return struct.pack("HBBI", code, jt, jf, k)


def main():
    arguments = sys.argv[1:]
    errno = ENOSYS
    while arguments[:1] in (["--open"], ["--errno"]) and len(arguments) > 1:
        if arguments[0] == "--open":
            os.set_inheritable(os.open(arguments[1], os.O_RDONLY), True)
        else:
            errno = int(arguments[1])
        arguments = arguments[2:]
    if len(arguments) < 2:
        sys.exit(__doc__)
    numbers = [int(n) for n in arguments[0].split(",")]
    # Load the call number; one comparison per refused call jumps past the "allow".
    program = instruction(BPF_LD_W_ABS, 0, 0, 0)
    for index, number in enumerate(numbers):
        program += instruction(BPF_JEQ_K, len(numbers) - index, 0, number)
    program += instruction(BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW)
    program += instruction(BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | errno)
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = struct.pack("HxxxxxxP", len(program) // 8, ctypes.addressof(buffer))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.c_char_p(fprog), 0, 0) != 0:
        sys.exit(f"without-syscalls: prctl(PR_SET_SECCOMP): {os.strerror(ctypes.get_errno())}")
    os.execvp(arguments[1], arguments[1:])


main()
