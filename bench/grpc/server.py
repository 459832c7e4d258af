#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The Python grpcio side of bench/grpc: serves Allocate on a unix socket,
doing what bench_server.c does, until SIGTERM.  Usage: server.py SOCKET"""
import signal
import sys
import threading
from concurrent import futures

import grpc

import deviceplugin_pb2 as pb
import deviceplugin_pb2_grpc as pbg

ENV = "PCI_RESOURCE_NVIDIA_COM_GH100_H100_SXM5_80GB"


class Plugin(pbg.DevicePluginServicer):
    def Allocate(self, request, context):
        resp = pb.AllocateResponse()
        for c in request.container_requests:
            cr = resp.container_responses.add()
            cr.devices.add(container_path="/dev/vfio/vfio", host_path="/dev/vfio/vfio", permissions="mrw")
            for k, _ in enumerate(c.devices_ids):
                g = "/dev/vfio/%d" % (10 + k)
                cr.devices.add(container_path=g, host_path=g, permissions="mrw")
            cr.envs[ENV] = ",".join(c.devices_ids)
        return resp


def main():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=64))
    pbg.add_DevicePluginServicer_to_server(Plugin(), server)
    server.add_insecure_port("unix:" + sys.argv[1])
    server.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: done.set())
    done.wait()
    server.stop(None)


if __name__ == "__main__":
    main()
