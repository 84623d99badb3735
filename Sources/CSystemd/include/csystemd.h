// libsystemd's sd-bus (Debian's libsystemd-dev), for the systemd cgroup driver, loaded
// with dlopen(3) the first time the driver is used rather than linked: libsystemd brings
// libgcrypt, liblzma, libzstd, liblz4, libcap and libgpg-error with it, and loading them
// costs every hako command time and memory, while only `--systemd-cgroup` needs them.
// Each hako_sd_* forwards to the sd_* function of the same name; call hako_sd_load() first.
// Only non-variadic calls are used.
#ifndef HAKO_CSYSTEMD_H
#define HAKO_CSYSTEMD_H

#include <stddef.h>
#include <systemd/sd-bus.h>

// Loads libsystemd.so.0 and its sd-bus functions once. Returns 0, or -1 with a message
// (dlerror's) in `error`.
int hako_sd_load(char *error, size_t size);

int hako_sd_bus_open_system(sd_bus **ret);
sd_bus *hako_sd_bus_flush_close_unref(sd_bus *bus);
int hako_sd_bus_call(sd_bus *bus, sd_bus_message *m, uint64_t usec, sd_bus_error *ret_error, sd_bus_message **reply);
void hako_sd_bus_error_free(sd_bus_error *e);
int hako_sd_bus_get_property_string(sd_bus *bus, const char *destination, const char *path, const char *interface,
                                    const char *member, sd_bus_error *ret_error, char **ret);
int hako_sd_bus_match_signal(sd_bus *bus, sd_bus_slot **ret, const char *sender, const char *path, const char *interface,
                             const char *member, sd_bus_message_handler_t callback, void *userdata);
int hako_sd_bus_message_append_array(sd_bus_message *m, char type, const void *ptr, size_t size);
int hako_sd_bus_message_append_basic(sd_bus_message *m, char type, const void *p);
int hako_sd_bus_message_close_container(sd_bus_message *m);
int hako_sd_bus_message_new_method_call(sd_bus *bus, sd_bus_message **m, const char *destination, const char *path,
                                        const char *interface, const char *member);
int hako_sd_bus_message_open_container(sd_bus_message *m, char type, const char *contents);
int hako_sd_bus_message_read_basic(sd_bus_message *m, char type, void *p);
sd_bus_message *hako_sd_bus_message_unref(sd_bus_message *m);
int hako_sd_bus_process(sd_bus *bus, sd_bus_message **r);
sd_bus_slot *hako_sd_bus_slot_unref(sd_bus_slot *slot);
int hako_sd_bus_wait(sd_bus *bus, uint64_t timeout_usec);

#endif
