/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A check on protobuf wire bytes that protobuf-c does not make (pure). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

/* Whether no string field of a message of type desc in buf (nested
 * messages included) holds a NUL byte.  protobuf-c hands strings over as
 * C strings, so "0000:18:00.0\0x" would read as "0000:18:00.0": such a
 * request must be refused, not decoded.  Malformed bytes count as clean
 * (the decoder refuses them). */
bool pb_strings_nul_free(const ProtobufCMessageDescriptor *desc, const uint8_t *buf, size_t len);

/* Counts, without decoding, the length-delimited entries of field outer in
 * buf and (inner > 0) the entries of field inner inside them: what a
 * server bounds before it lets protobuf-c allocate them.  Malformed bytes
 * end the count (the decoder refuses them). */
size_t pb_count_field(const uint8_t *buf, size_t len, uint32_t outer, uint32_t inner, size_t *n_inner);
