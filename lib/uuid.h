/* SPDX-License-Identifier: GPL-2.0-or-later */
/* UUIDs: name-based version 5 (RFC 9562) and the textual form. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define UUID_STRLEN 37 /* 36 characters + NUL */

/* SHA-1 of namespace || name, with the version (5) and variant bits set. */
void uuid_v5(const uint8_t ns[16], const void *name, size_t len, uint8_t out[16]);
/* Lower-case 8-4-4-4-12 form. */
char *uuid_format(const uint8_t u[16], char buf[UUID_STRLEN]);
/* Accepts the 8-4-4-4-12 form in either case; 0 or -EINVAL. */
int uuid_parse(const char *s, uint8_t out[16]);
