#!/usr/bin/env python3
"""A TCP proxy on 127.0.0.1 that injects network faults between a client and a server.

usage: fault_proxy.py LISTEN_PORT TARGET_PORT [--drop-every N] [--delay-every N] [--log FILE]

Connections are numbered from 1 as they are accepted. Every Nth one (--drop-every) is cut: once a
number of the client's bytes has been forwarded (64 bytes, 4 KiB, 300 KiB in turn: inside the first
request's headers, a later request, the body of an upload), both sides are closed mid-exchange, so the
client sees a reset or an empty answer whatever it was sending. Every Mth one
(--delay-every) waits 1.5 s before forwarding anything. The rest are forwarded untouched. Each fault
is logged as one line ("drop 5 after 64 bytes", "delay 7") when it happens so a test can check that faults happened.
"""
import argparse
import socket
import threading
import time


def pump(src, dst, cut_after=None, on_cut=None):
    forwarded = 0
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if cut_after is not None and forwarded + len(data) > cut_after:
                dst.sendall(data[: max(0, cut_after - forwarded)])
                on_cut()
                break
            dst.sendall(data)
            forwarded += len(data)
    except OSError:
        pass
    for sock in (src, dst):
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def handle(client, number, args, log):
    try:
        server = socket.create_connection(("127.0.0.1", args.target), timeout=10)
        server.settimeout(None)
    except OSError:
        client.close()
        return
    if args.delay_every and number % args.delay_every == 0:
        log(f"delay {number}")
        time.sleep(1.5)
    cut = None
    if args.drop_every and number % args.drop_every == 0:
        cut = (64, 4096, 300 * 1024)[(number // args.drop_every - 1) % 3]
    up = threading.Thread(target=pump, args=(client, server, cut, lambda: log(f"drop {number} after {cut} bytes")),
                          daemon=True)
    down = threading.Thread(target=pump, args=(server, client), daemon=True)
    up.start()
    down.start()
    up.join()
    down.join()
    client.close()
    server.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("listen", type=int)
    parser.add_argument("target", type=int)
    parser.add_argument("--drop-every", type=int, default=0)
    parser.add_argument("--delay-every", type=int, default=0)
    parser.add_argument("--log", default="/dev/null")
    args = parser.parse_args()
    lock = threading.Lock()
    log_file = open(args.log, "a", buffering=1)

    def log(line):
        with lock:
            log_file.write(line + "\n")

    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.listen))
    listener.listen(64)
    number = 0
    while True:
        client, _ = listener.accept()
        number += 1
        log(f"connection {number}")
        threading.Thread(target=handle, args=(client, number, args, log), daemon=True).start()


if __name__ == "__main__":
    main()
