// Thin, logic-free wrappers for Linux calls that Swift's Glibc module does not
// expose: syscall()-only calls, variadic functions and function-like macros.
// Each wrapper returns what the underlying call returns and leaves errno set.
#ifndef HAKO_CLINUX_H
#define HAKO_CLINUX_H

#include <stdint.h>
#include <sys/types.h>
#include <signal.h>

// Namespaces (unshare(2), setns(2)).
int hako_unshare(int flags);
int hako_setns(int fd, int nstype);

// pivot_root(2), which glibc does not wrap.
int hako_pivot_root(const char *new_root, const char *put_old);

// fork(2): glibc's, so its own per-thread state stays right in the child.
pid_t hako_fork(void);
// What hako_child_setup and hako_child_exec do beyond the defaults.
#define HAKO_CHILD_NEW_PROCESS_GROUP 1  // setpgid(0, 0): a timeout can kill what it started
#define HAKO_CHILD_SEARCH_PATH 2        // execvp/execvpe: `program` is looked up in PATH
// In a freshly forked child: fds[i] becomes descriptor i (each first lifted above them all,
// so no placement overwrites a source; one not open stays closed), every other descriptor
// is closed, signal actions go back to their defaults and none is blocked. Only
// async-signal-safe calls, so a child forked from a multi-threaded process cannot deadlock
// in it. Exits 126 when a descriptor cannot be placed.
void hako_child_setup(const int *fds, int count, int flags);
// Then: execve (execvpe with HAKO_CHILD_SEARCH_PATH) with `envp`, or the caller's
// environment when it is NULL. Does not return: on failure it says so on stderr and exits 127.
__attribute__((noreturn)) void hako_child_exec(const char *program, char *const argv[], char *const envp[], int flags);

// clone3(2) with CLONE_INTO_CGROUP: a fork whose child starts in the cgroup2 directory
// `cgroup_fd`, which costs no cgroup migration (moving a process later takes a global lock
// whose first use waits for an RCU grace period). Raw syscall: glibc's per-thread data in
// the child keep the parent's thread id, so the child must not use pthread_kill/raise.
pid_t hako_clone3_into_cgroup(int cgroup_fd);

int hako_dup3(int oldfd, int newfd, int flags);
int hako_pipe2(int fds[2], int flags);
int hako_close_range(unsigned int first, unsigned int last, unsigned int flags);

// prctl(2) is variadic.
int hako_prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5);

// capget(2)/capset(2) with the v3 (64-bit) layout.
int hako_capget(pid_t pid, uint64_t *effective, uint64_t *permitted, uint64_t *inheritable);
int hako_capset(uint64_t effective, uint64_t permitted, uint64_t inheritable);

// setxattr(2) (<sys/xattr.h> is not in Swift's Glibc module).
int hako_setxattr(const char *path, const char *name, const void *value, size_t size, int flags);
long hako_getxattr(const char *path, const char *name, void *value, size_t size);

// pidfd_open(2) and pidfd_send_signal(2).
int hako_pidfd_open(pid_t pid, unsigned int flags);
int hako_pidfd_send_signal(int pidfd, int sig, unsigned int flags);

// keyctl(KEYCTL_JOIN_SESSION_KEYRING, name).
long hako_keyctl_join_session_keyring(const char *name);

// openat2(2) with RESOLVE_* flags.
int hako_openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve);

// mount_setattr(2), to set recursive mount attributes.
int hako_mount_setattr(int dirfd, const char *path, unsigned int flags, uint64_t attr_set, uint64_t attr_clr, uint64_t propagation);
// mount_setattr(2) with a user namespace descriptor (for MOUNT_ATTR_IDMAP).
int hako_mount_setattr_userns(int dirfd, const char *path, unsigned int flags, uint64_t attr_set, uint64_t attr_clr, uint64_t propagation, uint64_t userns_fd);
// open_tree(2) and move_mount(2), the new mount API's detached mounts.
int hako_open_tree(int dirfd, const char *path, unsigned int flags);
int hako_move_mount(int from_dirfd, const char *from_path, int to_dirfd, const char *to_path, unsigned int flags);

// setrlimit through prlimit(2) on the calling process.
int hako_setrlimit(int resource, uint64_t soft, uint64_t hard);

int hako_sethostname(const char *name, size_t len);
int hako_setdomainname(const char *name, size_t len);
int hako_personality(unsigned long persona);

// makedev(3), a macro.
uint64_t hako_makedev(unsigned int major, unsigned int minor);
unsigned int hako_major(uint64_t dev);
unsigned int hako_minor(uint64_t dev);

// wait(2) status macros.
int hako_wifexited(int status);
int hako_wexitstatus(int status);
int hako_wifsignaled(int status);
int hako_wtermsig(int status);

// ioctl(2) is variadic.
int hako_ioctl_int(int fd, unsigned long request, int arg);
int hako_ioctl_ptr(int fd, unsigned long request, void *arg);

// Send or receive one file descriptor with SCM_RIGHTS, together with a payload.
ssize_t hako_send_fd(int sock, int fd, const void *data, size_t len);
ssize_t hako_recv_fd(int sock, int *fd, void *data, size_t len);

// Signal-set helpers, so Swift need not know sigset_t's layout.
int hako_sigfillset_block(sigset_t *old);
int hako_sigmask_restore(const sigset_t *old);
int hako_sigunblock_all(void);
int hako_sigwait_info(int *signo, pid_t *from_pid);
int hako_reset_signal_handlers(void);



// Declared by glibc only under _GNU_SOURCE, which Swift's Glibc module lacks.
int hako_setresuid(uid_t ruid, uid_t euid, uid_t suid);
int hako_setresgid(gid_t rgid, gid_t egid, gid_t sgid);
int hako_open_pty_master(int flags);
int hako_unlockpt(int fd);
int hako_ptsname(int fd, char *buf, size_t len);
extern const int HAKO_O_PATH;


// sched_setattr(2) on the calling thread.
int hako_sched_setattr(uint32_t policy, uint64_t flags, int32_t nice, uint32_t priority, uint64_t runtime, uint64_t deadline, uint64_t period);
// ioprio_set(IOPRIO_WHO_PROCESS, 0, ioprio).
int hako_ioprio_set_self(int ioprio);
// sched_setaffinity(0, len, mask) with a raw bit mask.
int hako_sched_setaffinity_self(const uint8_t *mask, size_t len);
// set_mempolicy(2).
long hako_set_mempolicy(int mode, const unsigned long *nodemask, unsigned long maxnode);


// A non-blocking, close-on-exec signalfd(2) for every signal (they must be blocked).
int hako_signalfd_all(void);
// Reads one signal from a signalfd: its number, or -1 (errno EAGAIN when none is pending).
int hako_signalfd_read(int fd);
// Puts a terminal in raw mode (cfmakeraw) and returns the old settings in *saved
// (an opaque buffer of hako_termios_size() bytes).
int hako_termios_size(void);
int hako_terminal_make_raw(int fd, void *saved);
int hako_terminal_restore(int fd, const void *saved);
// bpf(2) for cgroup device programs: load a BPF_PROG_TYPE_CGROUP_DEVICE program
// (`insns` is `count` struct bpf_insn; the verifier's log goes to `log` when given),
// attach/detach it to a cgroup directory fd, list what is attached, and open a program
// by id. Each returns what bpf(2) returns.
int hako_bpf_load_cgroup_device(const void *insns, uint32_t count, const char *license, char *log, uint32_t log_size);
int hako_bpf_attach_cgroup_device(int cgroup_fd, int prog_fd, uint32_t flags);
int hako_bpf_detach_cgroup_device(int cgroup_fd, int prog_fd);
int hako_bpf_query_cgroup_device(int cgroup_fd, uint32_t *ids, uint32_t *count, uint32_t *attach_flags);
int hako_bpf_prog_fd_by_id(uint32_t id);
/* 1 when `path` (relative to dirfd, not followed) is the root of a mount, 0 when not;
 * -1 with errno ENOSYS where statx cannot tell (before Linux 5.8). */
int hako_is_mount_root(int dirfd, const char *path);

#endif
