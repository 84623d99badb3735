#ifndef HAKO_BUILD_INFO_H
#define HAKO_BUILD_INFO_H

/// The commit hako was built from ("git describe --always --dirty"), or "unknown" when the
/// build did not say (a plain `swift build`; scripts/build-release.sh says).
const char *hako_build_commit(void);

#endif
