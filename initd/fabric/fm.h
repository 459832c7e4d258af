/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fabric Manager's client library (NVIDIA's libnvfm.so.1, the FM SDK; see
 * fm_api.h), loaded at run time with dlopen as NVML is (initd/vgpu/nvml.c):
 * connect, read the partition table, activate, deactivate, hand FM the
 * activated list after its restart, NVLink-failed GPUs.  A call that finds
 * the connection gone (FM restarted) connects again and retries once.  The
 * static gpu-initd has no dlopen: fm_open() fails with -ENOTSUP there. */
#pragma once
#include <stddef.h>

#include "fabric.h"

struct fm;

/* FM's default command address: FM_CMD_BIND_INTERFACE=127.0.0.1 with
 * port FM_CMD_PORT_NUMBER (User Guide 2.11, "Fabric Manager Config
 * Options"). */
#define FM_DEFAULT_ADDRESS "127.0.0.1"

/* Loads the library, fmLibInit, fmConnect to address ("a.b.c.d[:port]", or
 * "unix:PATH" for FM_CMD_UNIX_SOCKET_PATH; NULL: FM_DEFAULT_ADDRESS).  0;
 * -ENOTSUP (static build), -ENOENT (no libnvfm.so.1), -EIO (a symbol
 * missing, fmLibInit failed), -ENOTCONN (FM not reachable); why says
 * which. */
int fm_open(const char *address, struct fm **ret, char *why, size_t ws);
void fm_close(struct fm *m);
/* The partition table: FM's supported partitions (with isActive), then
 * its unsupported ones (supported = false), GPUs named by PCI address
 * where FM names them.  -EAGAIN: FM is starting or waits for the
 * activated list after a restart (FM_ST_NOT_CONFIGURED); -ENOTSUP: FM is
 * not in a shared-NVSwitch mode; -ENOTCONN: FM gone; why says which. */
int fm_read(struct fm *m, struct fabric *ret, char *why, size_t ws);
/* -EBUSY: already active or a GPU in another active partition;
 * -EINVAL: unknown or unsupported partition; -ENOLINK: NVLink training
 * failed; -EAGAIN as above. */
int fm_activate(struct fm *m, unsigned id, char *why, size_t ws);
/* -EBADF: the partition was not active. */
int fm_deactivate(struct fm *m, unsigned id, char *why, size_t ws);
/* fmSetActivatedFabricPartitions: after an FM restart, the partitions
 * that are active (n may be 0). */
int fm_set_activated(struct fm *m, const unsigned *ids, size_t n, char *why, size_t ws);
/* GPUs FM reports with failed NVLinks (PCI addresses into out, at most
 * max); the count or -errno. */
int fm_failed_gpus(struct fm *m, char (*out)[PCI_ADDR_STRLEN], size_t max, char *why, size_t ws);
/* FM_ST_* as text ("FM_ST_IN_USE"). */
const char *fm_status_name(int fm_return);
