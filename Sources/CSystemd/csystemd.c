#include "csystemd.h"

#include <dlfcn.h>
#include <stdio.h>

// Every function used: return type, name, parameters, arguments.
#define HAKO_SD_FUNCTIONS(X)                                                                          \
    X(int, sd_bus_open_system, (sd_bus **ret), (ret))                                                 \
    X(sd_bus *, sd_bus_flush_close_unref, (sd_bus *bus), (bus))                                       \
    X(int, sd_bus_call, (sd_bus *bus, sd_bus_message *m, uint64_t usec, sd_bus_error *ret_error,      \
                         sd_bus_message **reply), (bus, m, usec, ret_error, reply))                    \
    X(int, sd_bus_get_property_string, (sd_bus *bus, const char *destination, const char *path,       \
                                        const char *interface, const char *member,                    \
                                        sd_bus_error *ret_error, char **ret),                         \
      (bus, destination, path, interface, member, ret_error, ret))                                    \
    X(int, sd_bus_match_signal, (sd_bus *bus, sd_bus_slot **ret, const char *sender, const char *path, \
                                 const char *interface, const char *member,                           \
                                 sd_bus_message_handler_t callback, void *userdata),                  \
      (bus, ret, sender, path, interface, member, callback, userdata))                                \
    X(int, sd_bus_message_append_array, (sd_bus_message *m, char type, const void *ptr, size_t size), \
      (m, type, ptr, size))                                                                           \
    X(int, sd_bus_message_append_basic, (sd_bus_message *m, char type, const void *p), (m, type, p))  \
    X(int, sd_bus_message_close_container, (sd_bus_message *m), (m))                                  \
    X(int, sd_bus_message_new_method_call, (sd_bus *bus, sd_bus_message **m, const char *destination, \
                                            const char *path, const char *interface,                  \
                                            const char *member),                                      \
      (bus, m, destination, path, interface, member))                                                 \
    X(int, sd_bus_message_open_container, (sd_bus_message *m, char type, const char *contents),       \
      (m, type, contents))                                                                            \
    X(int, sd_bus_message_read_basic, (sd_bus_message *m, char type, void *p), (m, type, p))          \
    X(sd_bus_message *, sd_bus_message_unref, (sd_bus_message *m), (m))                               \
    X(int, sd_bus_process, (sd_bus *bus, sd_bus_message **r), (bus, r))                               \
    X(sd_bus_slot *, sd_bus_slot_unref, (sd_bus_slot *slot), (slot))                                  \
    X(int, sd_bus_wait, (sd_bus *bus, uint64_t timeout_usec), (bus, timeout_usec))

#define HAKO_SD_POINTER(ret, name, params, args) static ret(*p_##name) params;
HAKO_SD_FUNCTIONS(HAKO_SD_POINTER)

static void (*p_sd_bus_error_free)(sd_bus_error *e);
static int loaded;

int hako_sd_load(char *error, size_t size) {
    if (loaded) return 0;
    void *library = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        snprintf(error, size, "%s", dlerror());
        return -1;
    }
#define HAKO_SD_RESOLVE(ret, name, params, args)                                         \
    p_##name = (ret(*) params)dlsym(library, #name);                                    \
    if (p_##name == NULL) {                                                             \
        snprintf(error, size, "libsystemd.so.0 has no %s: %s", #name, dlerror());       \
        return -1;                                                                      \
    }
    HAKO_SD_FUNCTIONS(HAKO_SD_RESOLVE)
    p_sd_bus_error_free = (void (*)(sd_bus_error *))dlsym(library, "sd_bus_error_free");
    if (p_sd_bus_error_free == NULL) {
        snprintf(error, size, "libsystemd.so.0 has no sd_bus_error_free: %s", dlerror());
        return -1;
    }
    loaded = 1;
    return 0;
}

#define HAKO_SD_FORWARD(ret, name, params, args) \
    ret hako_##name params { return p_##name args; }
HAKO_SD_FUNCTIONS(HAKO_SD_FORWARD)

void hako_sd_bus_error_free(sd_bus_error *e) { p_sd_bus_error_free(e); }
