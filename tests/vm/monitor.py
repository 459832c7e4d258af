#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Relay a guest's monitor requests to QEMU (tests/vm/run.sh).

A scenario whose header says `# monitor: CMD...` gets QEMU's HMP monitor on
a unix socket; the guest asks for a command by printing a line
"VM-MONITOR: <command>" on its serial console, and this relay, tailing the
serial log, sends it to the monitor when its first word is one the header
allows (nothing else reaches the monitor).  The guest sees only the effect
(sysfs, its kernel log); the monitor's answers go to OUT (one file).

Usage: monitor.py SERIAL_LOG SOCKET OUT CMD...   (runs until killed)
"""
import os
import socket
import sys
import time

log, sock_path, out_path, allowed = sys.argv[1], sys.argv[2], sys.argv[3], set(sys.argv[4:])
out = open(out_path, "a", buffering=1)
mon = None


def monitor():
    global mon
    if mon is None:
        for _ in range(200):
            try:
                mon = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                mon.connect(sock_path)
                break
            except OSError:
                mon = None
                time.sleep(0.05)
        if mon is None:
            raise SystemExit("monitor.py: no monitor at " + sock_path)
        read_prompt()
    return mon


def read_prompt():
    got = b""
    while not got.endswith(b"(qemu) "):
        chunk = mon.recv(4096)
        if not chunk:
            break
        got += chunk
    return got.decode(errors="replace")


pos = 0
pending = b""
while True:
    try:
        with open(log, "rb") as f:
            f.seek(pos)
            data = f.read()
    except FileNotFoundError:
        data = b""
    if not data:
        time.sleep(0.05)
        continue
    pos += len(data)
    pending += data
    *lines, pending = pending.split(b"\n")
    for raw in lines:
        line = raw.decode(errors="replace").strip("\r")
        if not line.startswith("VM-MONITOR: "):
            continue
        cmd = line[len("VM-MONITOR: "):].strip()
        if not cmd or cmd.split()[0] not in allowed:
            out.write("refused: %s\n" % cmd)
            continue
        m = monitor()
        m.sendall(cmd.encode() + b"\n")
        out.write("(qemu) %s\n%s\n" % (cmd, read_prompt()))
