#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bench/plugin's kubelet: tests/it's Python grpcio FakeKubelet, serving
until SIGTERM (registration and a ListAndWatch stream per resource)."""
import signal
import threading

from serve_kubelet import FakeKubelet

k = FakeKubelet()
k.start()
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *a: stop.set())
stop.wait()
k.stop()
