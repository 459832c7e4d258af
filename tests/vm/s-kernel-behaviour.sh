# The kernel's answers to the sysfs writes simfs models (docs/design.md section
# 6), asked directly by tests/vm/behaviour.sh on edu and an SR-IOV nvme;
# the answers are part of the end state compared with
# tests/vm/golden/s-kernel-behaviour.state -- and so with simfs's answers
# to the same sequence.
# One body for both environments (tests/vm/lib.sh): the twin on simfs,
# tests/it/t-vm-twin-kernel-behaviour.sh, sources this file.
# qemu: -device edu,addr=05.0
# qemu: -device nvme-subsys,id=subsys0
# qemu: -device nvme,serial=vmtest,subsys=subsys0,addr=06.0,sriov_max_vfs=2,sriov_vq_flexible=4,sriov_vi_flexible=2,max_ioqpairs=6,msix_qsize=3
. "${VM_LIB:-/lib.sh}"
. $VM_FILES/behaviour.sh
set +x
behaviour_probe "$ROOT" vmtool load_module >$ROOT/run/vm-state.extra
cat $ROOT/run/vm-state.extra
