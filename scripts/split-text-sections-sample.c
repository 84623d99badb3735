/* The sample scripts/split-text-sections-test.sh splits: functions in one .text section that
 * call, jump to and point at each other, and a switch the compiler makes a jump table of. */
#include <stdio.h>
#include <stdlib.h>

static int twice(int x) { return 2 * x; }
static int plus_one(int x) { return x + 1; }
static int (*const table_of_functions[])(int) = {twice, plus_one};

volatile int seen;

/* A switch whose cases run different code: the compiler makes a jump table of it. */
__attribute__((noinline)) static int classify(int x) {
    switch (x) {
    case 0: seen += 3; return twice(seen);
    case 1: seen ^= 5; return plus_one(seen);
    case 2: return twice(x) + seen;
    case 3: seen = seen * 7; return seen;
    case 4: return plus_one(x) * seen;
    case 5: seen -= 11; return twice(seen + x);
    case 6: return seen / 3 + x;
    case 7: seen |= 64; return plus_one(seen) - x;
    default: return -1;
    }
}

__attribute__((noinline)) static int tail(int x) { return classify(x + 1); }

__attribute__((noinline)) static long sum(int n) {
    long s = 0;
    for (int i = 0; i < n; i++) s += tail(i % 9) + table_of_functions[i & 1](i);
    return s;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    int (*chosen)(int) = n % 2 ? twice : plus_one;
    printf("%ld %d %d\n", sum(n), chosen(n), classify(n % 10));
    return 0;
}
