# SPDX-License-Identifier: GPL-2.0-or-later
# For t-serve-*.sh (source after lib.sh): Python stubs from proto/ for the
# grpcio kubelet in tests/it/serve_kubelet.py.
serve_stubs() {
	py_stubs
	export PYTHONPATH=$PYTHONPATH:$TOP/tests/it
}
# serve_py FIXTURE CASES_FILE [CASE]: run cases inside a simulated node with uevents
serve_py() {
	local fixture=$1 file=$2
	shift 2
	tests/simnode run --uevents "$fixture" -- /usr/bin/python3 "$file" "$@"
}
