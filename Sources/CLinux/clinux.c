#define _GNU_SOURCE
#include "clinux.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <linux/mount.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <linux/stat.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <stdlib.h>
#include <unistd.h>

int hako_unshare(int flags) { return unshare(flags); }
int hako_setns(int fd, int nstype) { return setns(fd, nstype); }

int hako_pivot_root(const char *new_root, const char *put_old) {
    return (int)syscall(SYS_pivot_root, new_root, put_old);
}

pid_t hako_fork(void) { return fork(); }

void hako_child_setup(const int *fds, int count, int flags) {
    int lifted[count > 0 ? count : 1];
    int floor = count > 3 ? count : 3;
    for (int i = 0; i < count; i++) {
        lifted[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, floor);
        // A descriptor the caller does not have open (an engine that closed hako's stdout)
        // stays closed in the child too.
        if (lifted[i] < 0 && errno != EBADF) _exit(126);
    }
    for (int i = 0; i < count; i++) {
        if (lifted[i] < 0) close(i);
        else if (dup2(lifted[i], i) < 0) _exit(126);
    }
    if (syscall(SYS_close_range, (unsigned)count, ~0U, 0) != 0) {
        for (int fd = count; fd < 1024; fd++) close(fd);
    }
    if ((flags & HAKO_CHILD_NEW_PROCESS_GROUP) && setpgid(0, 0) != 0) _exit(126);
    hako_reset_signal_handlers();
    hako_sigunblock_all();
}

extern char **environ;

void hako_child_exec(const char *program, char *const argv[], char *const envp[], int flags) {
    char *const *env = envp ? envp : environ;
    if (flags & HAKO_CHILD_SEARCH_PATH) execvpe(program, argv, env);
    else execve(program, argv, env);
    // strerrordesc_np, not strerror: a lookup in a constant table, with no locale and no
    // buffer, so it is safe here.
    const char *reason = strerrordesc_np(errno);
    const char *prefix = "hako: exec ";
    (void)!write(2, prefix, strlen(prefix));
    (void)!write(2, program, strlen(program));
    (void)!write(2, ": ", 2);
    if (reason) (void)!write(2, reason, strlen(reason));
    (void)!write(2, "\n", 1);
    _exit(127);
}

#include <linux/sched.h>

pid_t hako_clone3_into_cgroup(int cgroup_fd) {
    struct clone_args args;
    memset(&args, 0, sizeof(args));
    args.flags = CLONE_INTO_CGROUP;
    args.exit_signal = SIGCHLD;
    args.cgroup = (uint64_t)cgroup_fd;
    return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

int hako_dup3(int oldfd, int newfd, int flags) { return dup3(oldfd, newfd, flags); }
int hako_pipe2(int fds[2], int flags) { return pipe2(fds, flags); }

int hako_close_range(unsigned int first, unsigned int last, unsigned int flags) {
    return (int)syscall(SYS_close_range, first, last, flags);
}

int hako_prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5) {
    return prctl(option, arg2, arg3, arg4, arg5);
}

int hako_capget(pid_t pid, uint64_t *effective, uint64_t *permitted, uint64_t *inheritable) {
    struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = pid};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof(data));
    if (syscall(SYS_capget, &header, data) < 0) return -1;
    *effective = ((uint64_t)data[1].effective << 32) | data[0].effective;
    *permitted = ((uint64_t)data[1].permitted << 32) | data[0].permitted;
    *inheritable = ((uint64_t)data[1].inheritable << 32) | data[0].inheritable;
    return 0;
}

int hako_capset(uint64_t effective, uint64_t permitted, uint64_t inheritable) {
    struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    data[0].effective = (uint32_t)effective;
    data[1].effective = (uint32_t)(effective >> 32);
    data[0].permitted = (uint32_t)permitted;
    data[1].permitted = (uint32_t)(permitted >> 32);
    data[0].inheritable = (uint32_t)inheritable;
    data[1].inheritable = (uint32_t)(inheritable >> 32);
    return (int)syscall(SYS_capset, &header, data);
}

int hako_pidfd_open(pid_t pid, unsigned int flags) { return (int)syscall(SYS_pidfd_open, pid, flags); }

int hako_pidfd_send_signal(int pidfd, int sig, unsigned int flags) {
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, flags);
}

long hako_keyctl_join_session_keyring(const char *name) {
    return syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, name, 0, 0, 0);
}

int hako_openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve) {
    struct open_how how = {.flags = flags, .mode = mode, .resolve = resolve};
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

int hako_mount_setattr(int dirfd, const char *path, unsigned int flags, uint64_t attr_set, uint64_t attr_clr, uint64_t propagation) {
    struct mount_attr attr = {.attr_set = attr_set, .attr_clr = attr_clr, .propagation = propagation, .userns_fd = 0};
    return (int)syscall(SYS_mount_setattr, dirfd, path, flags, &attr, sizeof(attr));
}

int hako_mount_setattr_userns(int dirfd, const char *path, unsigned int flags, uint64_t attr_set, uint64_t attr_clr, uint64_t propagation, uint64_t userns_fd) {
    struct mount_attr attr = {.attr_set = attr_set, .attr_clr = attr_clr, .propagation = propagation, .userns_fd = userns_fd};
    return (int)syscall(SYS_mount_setattr, dirfd, path, flags, &attr, sizeof(attr));
}

int hako_open_tree(int dirfd, const char *path, unsigned int flags) {
    return (int)syscall(SYS_open_tree, dirfd, path, flags);
}

int hako_move_mount(int from_dirfd, const char *from_path, int to_dirfd, const char *to_path, unsigned int flags) {
    return (int)syscall(SYS_move_mount, from_dirfd, from_path, to_dirfd, to_path, flags);
}

int hako_setrlimit(int resource, uint64_t soft, uint64_t hard) {
    struct rlimit64 limit = {.rlim_cur = soft, .rlim_max = hard};
    return prlimit64(0, (enum __rlimit_resource)resource, &limit, NULL);
}

int hako_sethostname(const char *name, size_t len) { return sethostname(name, len); }
int hako_setdomainname(const char *name, size_t len) { return setdomainname(name, len); }
int hako_personality(unsigned long persona) { return personality(persona); }

uint64_t hako_makedev(unsigned int major, unsigned int minor) { return makedev(major, minor); }
unsigned int hako_major(uint64_t dev) { return major(dev); }
unsigned int hako_minor(uint64_t dev) { return minor(dev); }

int hako_wifexited(int status) { return WIFEXITED(status); }
int hako_wexitstatus(int status) { return WEXITSTATUS(status); }
int hako_wifsignaled(int status) { return WIFSIGNALED(status); }
int hako_wtermsig(int status) { return WTERMSIG(status); }

int hako_ioctl_int(int fd, unsigned long request, int arg) { return ioctl(fd, request, arg); }
int hako_ioctl_ptr(int fd, unsigned long request, void *arg) { return ioctl(fd, request, arg); }

ssize_t hako_send_fd(int sock, int fd, const void *data, size_t len) {
    char control[CMSG_SPACE(sizeof(int))];
    memset(control, 0, sizeof(control));
    struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control)};
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
    return sendmsg(sock, &msg, MSG_NOSIGNAL);
}

ssize_t hako_recv_fd(int sock, int *fd, void *data, size_t len) {
    char control[CMSG_SPACE(sizeof(int))];
    memset(control, 0, sizeof(control));
    struct iovec iov = {.iov_base = data, .iov_len = len};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control)};
    *fd = -1;
    ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0) return n;
    for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
        if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS) {
            memcpy(fd, CMSG_DATA(cmsg), sizeof(int));
        }
    }
    return n;
}

int hako_sigfillset_block(sigset_t *old) {
    sigset_t all;
    sigfillset(&all);
    return sigprocmask(SIG_BLOCK, &all, old);
}

int hako_sigmask_restore(const sigset_t *old) { return sigprocmask(SIG_SETMASK, old, NULL); }

int hako_sigunblock_all(void) {
    sigset_t none;
    sigemptyset(&none);
    return sigprocmask(SIG_SETMASK, &none, NULL);
}

int hako_sigwait_info(int *signo, pid_t *from_pid) {
    sigset_t all;
    sigfillset(&all);
    siginfo_t info;
    int sig;
    do {
        sig = sigwaitinfo(&all, &info);
    } while (sig < 0 && errno == EINTR);
    if (sig < 0) return -1;
    *signo = sig;
    *from_pid = info.si_pid;
    return 0;
}

int hako_reset_signal_handlers(void) {
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        signal(sig, SIG_DFL);
    }
    return 0;
}

int hako_setresuid(uid_t ruid, uid_t euid, uid_t suid) { return setresuid(ruid, euid, suid); }
int hako_setresgid(gid_t rgid, gid_t egid, gid_t sgid) { return setresgid(rgid, egid, sgid); }
int hako_open_pty_master(int flags) { return posix_openpt(flags); }
int hako_unlockpt(int fd) { return unlockpt(fd); }
int hako_ptsname(int fd, char *buf, size_t len) { return ptsname_r(fd, buf, len); }
const int HAKO_O_PATH = O_PATH;

struct hako_sched_attr {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime;
    uint64_t sched_deadline;
    uint64_t sched_period;
};

int hako_sched_setattr(uint32_t policy, uint64_t flags, int32_t nice, uint32_t priority, uint64_t runtime, uint64_t deadline, uint64_t period) {
    struct hako_sched_attr attr = {
        .size = sizeof(attr), .sched_policy = policy, .sched_flags = flags, .sched_nice = nice,
        .sched_priority = priority, .sched_runtime = runtime, .sched_deadline = deadline, .sched_period = period,
    };
    return (int)syscall(SYS_sched_setattr, 0, &attr, 0);
}

int hako_ioprio_set_self(int ioprio) { return (int)syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, ioprio); }

int hako_sched_setaffinity_self(const uint8_t *mask, size_t len) { return (int)syscall(SYS_sched_setaffinity, 0, len, mask); }

long hako_set_mempolicy(int mode, const unsigned long *nodemask, unsigned long maxnode) {
    return syscall(SYS_set_mempolicy, mode, nodemask, maxnode);
}

#include <sys/signalfd.h>
#include <termios.h>

int hako_signalfd_all(void) {
    sigset_t all;
    sigfillset(&all);
    return signalfd(-1, &all, SFD_NONBLOCK | SFD_CLOEXEC);
}

int hako_signalfd_read(int fd) {
    struct signalfd_siginfo info;
    ssize_t n = read(fd, &info, sizeof(info));
    if (n != (ssize_t)sizeof(info)) return -1;
    return (int)info.ssi_signo;
}

int hako_termios_size(void) { return (int)sizeof(struct termios); }

int hako_terminal_make_raw(int fd, void *saved) {
    struct termios t;
    if (tcgetattr(fd, &t) != 0) return -1;
    memcpy(saved, &t, sizeof(t));
    cfmakeraw(&t);
    return tcsetattr(fd, TCSANOW, &t);
}

int hako_terminal_restore(int fd, const void *saved) {
    struct termios t;
    memcpy(&t, saved, sizeof(t));
    return tcsetattr(fd, TCSANOW, &t);
}

#include <linux/bpf.h>

static long hako_bpf(int cmd, union bpf_attr *attr) {
    return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

int hako_bpf_load_cgroup_device(const void *insns, uint32_t count, const char *license, char *log, uint32_t log_size) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = (uint64_t)(uintptr_t)insns;
    attr.insn_cnt = count;
    attr.license = (uint64_t)(uintptr_t)license;
    if (log != NULL && log_size > 0) {
        attr.log_buf = (uint64_t)(uintptr_t)log;
        attr.log_size = log_size;
        attr.log_level = 1;
    }
    return (int)hako_bpf(BPF_PROG_LOAD, &attr);
}

int hako_bpf_attach_cgroup_device(int cgroup_fd, int prog_fd, uint32_t flags) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.target_fd = (uint32_t)cgroup_fd;
    attr.attach_bpf_fd = (uint32_t)prog_fd;
    attr.attach_type = BPF_CGROUP_DEVICE;
    attr.attach_flags = flags;
    return (int)hako_bpf(BPF_PROG_ATTACH, &attr);
}

int hako_bpf_detach_cgroup_device(int cgroup_fd, int prog_fd) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.target_fd = (uint32_t)cgroup_fd;
    attr.attach_bpf_fd = (uint32_t)prog_fd;
    attr.attach_type = BPF_CGROUP_DEVICE;
    return (int)hako_bpf(BPF_PROG_DETACH, &attr);
}

int hako_bpf_query_cgroup_device(int cgroup_fd, uint32_t *ids, uint32_t *count, uint32_t *attach_flags) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.query.target_fd = (uint32_t)cgroup_fd;
    attr.query.attach_type = BPF_CGROUP_DEVICE;
    attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
    attr.query.prog_cnt = *count;
    int rc = (int)hako_bpf(BPF_PROG_QUERY, &attr);
    *count = attr.query.prog_cnt;
    if (attach_flags != NULL) *attach_flags = attr.query.attach_flags;
    return rc;
}

int hako_bpf_prog_fd_by_id(uint32_t id) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.prog_id = id;
    return (int)hako_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
}

int hako_setxattr(const char *path, const char *name, const void *value, size_t size, int flags) {
    return setxattr(path, name, value, size, flags);
}

long hako_getxattr(const char *path, const char *name, void *value, size_t size) {
    return getxattr(path, name, value, size);
}

int hako_is_mount_root(int dirfd, const char *path) {
    struct statx st;
    if (statx(dirfd, path, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_TYPE, &st) != 0) return -1;
    if (!(st.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)) {
        errno = ENOSYS;
        return -1;
    }
    return (st.stx_attributes & STATX_ATTR_MOUNT_ROOT) ? 1 : 0;
}
