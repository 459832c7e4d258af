#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The arm64 matrix (make check-vm-arm64): tests/vm/run-arm64.sh for each
# Debian arm64 kernel (trixie 6.12: IOMMU groups made at driver probe;
# trixie-backports 7.3: groups at enumeration) and firmware (dt: device
# tree; uefi: EDK2 with ACPI IORT), each running the scenarios whose
# `# matrix:` line names that pair.
set -u
cd "$(dirname "$0")/../.." || exit 1
rc=0
for suite in trixie trixie-backports; do
	for fw in dt uefi; do
		ARM64_SUITE=$suite ARM64_FIRMWARE=$fw ARM64_MATRIX=1 tests/vm/run-arm64.sh "$@" || rc=1
	done
done
[ $rc = 0 ] && echo "vm-arm64 matrix: all passed" || echo "vm-arm64 matrix: FAILED"
exit $rc
