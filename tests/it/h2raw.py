#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A raw HTTP/2 client for the pressure tests (tests/it/serve_pressure.py):
enough of RFC 9113 to open gRPC streams with HPACK literals, send DATA
within flow control (WINDOW_UPDATE honoured), and see what the server does
to a stream (ended: HEADERS with END_STREAM or RST_STREAM) or to the
connection (GOAWAY with its debug text, or EOF).  No response decoding."""
import os
import select
import socket
import struct
import time

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY, WINDOW_UPDATE = 0, 1, 3, 4, 6, 7, 8
END_STREAM, END_HEADERS, ACK = 0x1, 0x4, 0x1


def frame(ftype, flags, stream, payload):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", stream) + payload


def literal(name, value):
    # literal header field without indexing, new name, no Huffman (RFC 7541 6.2.2)
    n, v = name.encode(), value.encode()
    assert len(n) < 127 and len(v) < 127
    return b"\x00" + bytes([len(n)]) + n + bytes([len(v)]) + v


def grpc_headers(path):
    return b"".join(literal(k, v) for k, v in [
        (":method", "POST"), (":scheme", "http"), (":path", path), (":authority", "localhost"),
        ("content-type", "application/grpc"), ("te", "trailers")])


class H2:
    def __init__(self, path, rcvbuf=None):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if rcvbuf:
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        cwd = os.getcwd()
        os.chdir(os.path.dirname(path))  # the socket path may be too long for sun_path
        try:
            self.s.connect(os.path.basename(path))
        finally:
            os.chdir(cwd)
        self.buf = b""
        self.conn_win = 65535
        self.win = {}
        self.ended = set()
        self.goaway = None  # (error code, debug text)
        self.eof = False
        self.sendall(PREFACE + frame(SETTINGS, 0, 0, b""))

    def sendall(self, b):
        try:
            self.s.sendall(b)
        except (BrokenPipeError, ConnectionResetError):
            self.eof = True  # the server closed it; pump() may still read why

    def close(self):
        self.s.close()

    def request(self, sid, path, first=b""):
        self.win[sid] = 65535
        self.sendall(frame(HEADERS, END_HEADERS, sid, grpc_headers(path)))
        if first:
            self.send(sid, first)

    def send(self, sid, data, end=False, timeout=30):
        """Sends within flow control; False when the server ended the stream
        or the connection first."""
        off = 0
        deadline = time.monotonic() + timeout
        while off < len(data) or end:
            if sid in self.ended or self.goaway or self.eof:
                self.pump(0)
                return False
            n = min(16384, self.conn_win, self.win[sid], len(data) - off)
            if n <= 0 and off < len(data):
                if time.monotonic() > deadline:
                    raise TimeoutError("no WINDOW_UPDATE")
                self.pump(1.0)
                continue
            last = end and off + n == len(data)
            self.sendall(frame(DATA, END_STREAM if last else 0, sid, data[off:off + n]))
            self.conn_win -= n
            self.win[sid] -= n
            off += n
            if last:
                break
        self.pump(0)
        return True

    def pump(self, timeout):
        """Reads and handles whatever frames arrive within timeout."""
        r, _, _ = select.select([self.s], [], [], timeout)
        if not r:
            return
        try:
            b = self.s.recv(1 << 20)
        except ConnectionResetError:
            b = b""
        if not b:
            self.eof = True
            return
        self.buf += b
        while len(self.buf) >= 9:
            ln = int.from_bytes(self.buf[:3], "big")
            if len(self.buf) < 9 + ln:
                break
            ftype, flags = self.buf[3], self.buf[4]
            sid = struct.unpack(">I", self.buf[5:9])[0] & 0x7fffffff
            pl = self.buf[9:9 + ln]
            self.buf = self.buf[9 + ln:]
            if ftype == WINDOW_UPDATE:
                inc = struct.unpack(">I", pl)[0] & 0x7fffffff
                if sid == 0:
                    self.conn_win += inc
                elif sid in self.win:
                    self.win[sid] += inc
            elif ftype == SETTINGS and not flags & ACK:
                self.sendall(frame(SETTINGS, ACK, 0, b""))
            elif ftype in (HEADERS, DATA) and flags & END_STREAM or ftype == RST_STREAM:
                self.ended.add(sid)
            elif ftype == GOAWAY:
                self.goaway = (struct.unpack(">I", pl[4:8])[0], pl[8:].decode(errors="replace"))

    def wait_closed(self, timeout):
        """Pumps until GOAWAY or EOF; True if either came."""
        end = time.monotonic() + timeout
        while not self.goaway and not self.eof and time.monotonic() < end:
            self.pump(0.5)
        return bool(self.goaway or self.eof)
