#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A device-plugin client that stops reading: connects to SOCKET, opens
N ListAndWatch streams (raw HTTP/2, HPACK literals), then never reads
again and sleeps until killed.  Prints "open" once the requests are out.
Usage: h2_stuck_reader.py SOCKET N"""
import os
import socket
import sys
import time

from h2raw import frame, literal  # the raw HTTP/2 framing, one copy (tests/it/h2raw.py)


def main():
    path, n = sys.argv[1], int(sys.argv[2])
    os.chdir(os.path.dirname(path))  # the socket path may be too long for sun_path
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(os.path.basename(path))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    out = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0, b"")
    hdrs = b"".join(literal(k, v) for k, v in [
        (":method", "POST"), (":scheme", "http"), (":path", "/v1beta1.DevicePlugin/ListAndWatch"),
        (":authority", "localhost"), ("content-type", "application/grpc"), ("te", "trailers")])
    for i in range(n):
        sid = 2 * i + 1
        out += frame(1, 0x4, sid, hdrs) + frame(0, 0x1, sid, b"\x00\x00\x00\x00\x00")
    s.sendall(out)
    print("open", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
