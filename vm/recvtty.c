/* A console socket for the guest checks, which have no python3: listens at SOCKET,
 * takes one pty master (SCM_RIGHTS, as a runtime sends it) and copies what the
 * terminal prints to OUTFILE until the terminal closes or the process is killed.
 * Built static on the host by vm/run.sh. Usage: recvtty SOCKET OUTFILE */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: recvtty SOCKET OUTFILE\n"); return 2; }
    int listener = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    strncpy(address.sun_path, argv[1], sizeof address.sun_path - 1);
    unlink(argv[1]);
    if (bind(listener, (struct sockaddr *)&address, sizeof address) || listen(listener, 1)) { perror("bind"); return 1; }
    int out = open(argv[2], O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (out < 0) { perror(argv[2]); return 1; }
    int peer = accept(listener, NULL, NULL);
    if (peer < 0) { perror("accept"); return 1; }
    char name[256], control[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { .iov_base = name, .iov_len = sizeof name - 1 };
    struct msghdr message = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
    if (recvmsg(peer, &message, 0) < 0) { perror("recvmsg"); return 1; }
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    if (!header || header->cmsg_type != SCM_RIGHTS) { fprintf(stderr, "no descriptor received\n"); return 1; }
    int master;
    memcpy(&master, CMSG_DATA(header), sizeof master);
    char buffer[4096];
    ssize_t n;
    while ((n = read(master, buffer, sizeof buffer)) > 0) {
        if (write(out, buffer, (size_t)n) != n) return 1;
    }
    return 0;
}
