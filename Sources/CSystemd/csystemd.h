// libsystemd's sd-bus (Debian's libsystemd-dev), for the systemd cgroup driver. Only its
// non-variadic calls are used (sd_bus_message_append_basic, _append_array,
// _open_container, _read_basic), so no C shim is needed.
#ifndef HAKO_CSYSTEMD_H
#define HAKO_CSYSTEMD_H

#include <systemd/sd-bus.h>

#endif
