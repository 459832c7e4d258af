/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nvidia's own view of a GPU under the root (proc/driver/nvidia/gpus/<bdf>/):
 * who has it open, and the unbind lock of the vGPU-KVM host build that
 * guards an unbind from nvidia. */
#pragma once

/* The pid of a process under proc/ with /dev/nvidia<minor> of this GPU
 * open (minor from proc/driver/nvidia/gpus/<bdf>/information), 0 if none,
 * -errno. */
int nvidia_gpu_user(int rootfd, const char *bdf);
/* Takes nvidia's unbind lock where the driver has one (the vGPU-KVM host
 * build): 0 taken or no lock file, -EBUSY in use (reads back 0), -errno.
 * While it is held every open() of the GPU fails (NVML's too), so every
 * failure after it was taken must give it back: nvidia_release_unbind_lock. */
int nvidia_take_unbind_lock(int rootfd, const char *bdf, int *writes);
/* Gives the lock back (writes 0) while the GPU is still on nvidia; once
 * nvidia let go of the GPU the lock went with it.  Logs a failure. */
void nvidia_release_unbind_lock(int rootfd, const char *bdf, int *writes);
/* 1 if the GPU's unbindLock reads 1, 0 if not or if there is none. */
int nvidia_unbind_lock_held(int rootfd, const char *bdf);
