#!/bin/sh
# make layer-check: gpu-initd, kubelet-stub and lib/ touch files only
# through lib/rootfs*.c (paths resolved inside --root: openat2
# RESOLVE_IN_ROOT; sockets by directory fd).  Fails naming every file
# system call, path-taking libc function or /proc/self/fd path found in
# initd/, kubelet-stub/ or lib/ outside lib/rootfs*.c.  Comments and
# string literals are not searched ("every open() of the GPU" is prose).
# simfs (the FUSE server itself) and tests/ (test tools) are not covered.
#
# Operations on a descriptor already open (read, write, fstat, fdopen,
# fdopendir, readdir, close) are not file-name lookups and are allowed.
# The libraries that open files by path themselves are allowed where
# they are used, each named here with what it opens:
#   initd/node/modules.c   kmod_new(DIR/lib/modules/KVER): libkmod reads
#                          the module index under --root
#   initd/node/pcidev.c,   pci_alloc()/pci_init(): libpci reads sysfs under
#   initd/node/pciids.c    --root (sysfs.path) and pci.ids
#   initd/node/vfio.c,     udev_new(): libudev reads the host's /etc/udev/
#                          udev.conf (systemd src/shared/udev-util.c
#                          udev_parse_config, from udev_new);
#   initd/serve/health.c   both then use a kernel netlink monitor (vfio.c
#                          waits for dev/vfio/<group>, health.c for removals)
#   initd/vgpu/nvml.c      dlopen("libnvidia-ml.so.1"): the driver's library,
#                          from the host's loader path, not a file of ours
#   initd/fabric/fm.c      dlopen("libnvfm.so.1"): Fabric Manager's client
#                          library, the same way
set -eu
cd "$(dirname "$0")/.."
CC=${CC:-cc}
calls='open|openat|openat2|creat|fopen|freopen|opendir|scandir|scandirat|glob|ftw|nftw'
calls="$calls|mkdir|mkdirat|rmdir|rename|renameat|renameat2|unlink|unlinkat|remove"
calls="$calls|link|linkat|symlink|symlinkat|readlink|readlinkat|realpath|canonicalize_file_name"
calls="$calls|stat|lstat|fstatat|newfstatat|statx|access|faccessat|faccessat2|euidaccess|eaccess"
calls="$calls|chmod|fchmodat|chown|lchown|fchownat|truncate|utime|utimes|utimensat|futimesat"
calls="$calls|mknod|mknodat|mkfifo|mkfifoat|mkstemp|mkostemp|mkdtemp|tmpfile|tempnam|tmpnam"
calls="$calls|chdir|chroot|pivot_root|mount|umount|umount2|name_to_handle_at|open_by_handle_at"
calls="$calls|inotify_add_watch|fanotify_mark|bind|connect|syscall|dlopen|statfs|statvfs"
calls="$calls|setxattr|getxattr|listxattr|removexattr|lsetxattr|lgetxattr|execve|execv|execvp|posix_spawn"
calls="$calls|open64|openat64|creat64|fopen64|freopen64|stat64|lstat64|truncate64|shm_open|popen|system"
# libraries that open files by path (see above): FILE ERE of the calls allowed there
allowed='initd/node/modules.c kmod_new
initd/node/pcidev.c pci_alloc|pci_init
initd/node/pciids.c pci_alloc|pci_init
initd/node/vfio.c udev_new
initd/serve/health.c udev_new
initd/vgpu/nvml.c dlopen
initd/fabric/fm.c dlopen'
libs='kmod_new|pci_alloc|pci_init|udev_new|dlopen'

files=$(git ls-files 'initd/*.[ch]' 'kubelet-stub/*.[ch]' 'lib/*.[ch]' 2>/dev/null) ||
	files=$(find initd kubelet-stub lib -name '*.[ch]')
out=""
for f in $files; do
	case $f in lib/rootfs*.c) continue ;; esac
	# comments out (the preprocessor, nothing expanded), then string literals
	hits=$("$CC" -fpreprocessed -dD -E -P "$f" 2>/dev/null |
		sed -E 's/"([^"\\]|\\.)*"/""/g' |
		grep -E "(^|[^A-Za-z0-9_.>])($calls|$libs)[[:space:]]*\(|/proc/self/fd|sun_path" || true)
	ok=$(echo "$allowed" | awk -v f="$f" '$1 == f { print $2 }')
	if [ -n "$ok" ]; then
		hits=$(echo "$hits" | grep -vE "(^|[^A-Za-z0-9_])($ok)[[:space:]]*\(" || true)
	fi
	[ -z "$hits" ] || out="$out$(echo "$hits" | sed -E "s|^[[:space:]]*|layer-check: $f: |")
"
done
# The folders of initd/ include downwards only: node <- vgpu <- fabric <-
# serve <- the commands (initd/*.h); a folder names a lower folder's header
# as "folder/x.h".
ups=""
for d in node vgpu fabric serve; do
	case $d in
	node) higher="vgpu|fabric|serve" ;;
	vgpu) higher="fabric|serve" ;;
	fabric) higher="serve" ;;
	serve) higher="" ;;
	esac
	cmds=$(cd initd && ls *.h | sed 's/\./\\./' | paste -sd'|')
	pat="#include \"(${higher:+($higher)/|}($cmds)\")"
	found=$(grep -HE "$pat" initd/$d/*.[ch] 2>/dev/null | sed 's/^/layer-check: includes upwards: /' || true)
	[ -z "$found" ] || ups="$ups$found
"
done
[ -z "$out" ] && [ -z "$ups" ] && exit 0
[ -z "$out" ] || {
	printf '%s' "$out" >&2
	echo "layer-check: file access outside lib/rootfs*.c (add what is missing there)" >&2
}
[ -z "$ups" ] || printf '%s' "$ups" >&2
exit 1
