// The commit is a value only the build knows. scripts/build-release.sh writes it to
// hako_commit.h in a directory it adds to the include path, and rewrites that header only
// when the commit changes: the compiler's dependency file then recompiles this one file,
// where a -D flag would change every target's command line and rebuild them all.
#include "build_info.h"

#if __has_include("hako_commit.h")
#include "hako_commit.h"
#endif

#ifndef HAKO_COMMIT
#define HAKO_COMMIT "unknown"
#endif

const char *hako_build_commit(void) { return HAKO_COMMIT; }
