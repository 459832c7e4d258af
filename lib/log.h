/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logging for the programs, and the one error convention of the tree.
 *
 * Errors.  Functions return 0 (or a count, an fd) on success and -errno on
 * failure; a caller that passes a failure on does not log it again.  A
 * failure is put into words once, where the decision is made:
 *
 *   return log_error_errno(r, "%s: binding: %m", bdf);   an errno we got
 *   return log_error_errno(SYNTHETIC_ERRNO(EBUSY), "%s: in use", bdf);
 *                                                         an errno we chose
 *
 * Both return -abs(errno).  SYNTHETIC_ERRNO marks an errno that no call
 * returned: the message must say what is wrong itself (no "%m"), and the
 * JSON log carries no "errno" for it.  (No comma forms: log, then return.)
 *
 * Who logs and who records (library code: lib/, initd/node, vgpu, serve):
 *   - Assessment (check_build and what it calls, initd/node's *_assess,
 *     the vGPU plan, Allocate's request check) records: a problem becomes
 *     a reason bit in struct report or words in the caller's buffer
 *     (record_error()), never a log line: the command prints it (check's
 *     table and JSON, status.json, the RPC status), and the same
 *     assessment runs again in apply and serve.
 *   - The passthrough path records: binding a device for VFIO (apply.c
 *     with initd/node/vfio.c, bootfb.c) returns the failing step and
 *     -errno (struct vfio_result), apply.c marks the device's dev_report,
 *     and main.c logs the outcome once per device; status.json carries
 *     step and errno.  Nothing on this path logs a failure it returns.
 *   - The vGPU path logs: SR-IOV, vGPU and MIG creation and removal
 *     (initd/vgpu/, initd/node/sriov.c, pcidev_write()) log the failing
 *     step where it fails, with what only that step knows (the VF, the
 *     attribute, the GPU instance), and return -errno; the report keeps
 *     only each vGPU's state, and the command logs a count.
 *   - The device plugin (initd/serve) runs as a daemon: its event loop
 *     logs what it decides at run time (a socket gone, kubelet back, a
 *     device sick), once, where it decides.
 *   - A cleanup that returns nothing (giving back nvidia's unbind lock)
 *     logs its own failure: nobody else can.
 *   - lib/ never logs a failure it returns (at most log_debug); it logs
 *     only what it decides itself at run time (grpc_server pausing
 *     accept).  main.c files decide what the user sees of the rest. */
#pragma once
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>

enum log_level { LOG_ERR = 3, LOG_WARNING = 4, LOG_NOTICE = 5, LOG_INFO = 6, LOG_DEBUG = 7 };
enum log_target { LOG_TARGET_STDERR, LOG_TARGET_KMSG, LOG_TARGET_JSON };

void log_setup(const char *ident, enum log_target target, int kmsg_fd);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
int log_parse_target(const char *s, enum log_target *ret);

/* An errno no call returned (systemd's idea): log_*_errno() return it as
 * -errno but do not report it as the cause (no "errno" in JSON logs). */
#define LOG_SYNTHETIC_BIT (1 << 30)
#define SYNTHETIC_ERRNO(e) (LOG_SYNTHETIC_BIT | (e))

/* Returns -abs(err) (without the synthetic bit) so callers can write
 * `return log_error_errno(r, ...)`.  "%m" in fmt expands to strerror(err). */
int log_internal(enum log_level level, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define log_error(...) log_internal(LOG_ERR, 0, __VA_ARGS__)
#define log_warning(...) log_internal(LOG_WARNING, 0, __VA_ARGS__)
#define log_notice(...) log_internal(LOG_NOTICE, 0, __VA_ARGS__)
#define log_info(...) log_internal(LOG_INFO, 0, __VA_ARGS__)
#define log_debug(...) log_internal(LOG_DEBUG, 0, __VA_ARGS__)
#define log_error_errno(e, ...) log_internal(LOG_ERR, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_internal(LOG_WARNING, (e), __VA_ARGS__)
#define log_debug_errno(e, ...) log_internal(LOG_DEBUG, (e), __VA_ARGS__)

/* The recording half: formats a problem into the caller's buffer (check's
 * problems, an RPC's error message) and returns -abs(err), so
 * `return record_error(err, size, EINVAL, "...", ...)`.  buf may be NULL
 * when size is 0. */
int record_error(char *buf, size_t size, int err, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
