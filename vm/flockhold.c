/* Takes an exclusive flock(2) on FILE and runs COMMAND holding it (the descriptor is
 * inherited across execve), for the guest's --file-locks check: busybox has no flock.
 * Built static on the host by vm/run.sh. Usage: flockhold FILE COMMAND [ARG...] */
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: flockhold FILE COMMAND [ARG...]\n"); return 2; }
    int fd = open(argv[1], O_RDWR | O_CREAT, 0644);
    if (fd < 0 || flock(fd, LOCK_EX) != 0) { perror(argv[1]); return 1; }
    execvp(argv[2], argv + 2);
    perror(argv[2]);
    return 127;
}
