/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 35
#endif
#include <fuse.h>

extern const struct fuse_operations simfs_fuse_ops;
