"""A real DNS server on loopback for the tests (Debian's python3-dnslib): answers TXT queries
from a JSON file of {"name": ["value", ...]}, read again at every query, so a test "publishes" a
record by writing the file, as an Owner would at their DNS host. Other names: NXDOMAIN.

Usage: /usr/bin/python3 server.py <port> <records.json>   (UDP and TCP on 127.0.0.1)
Port 0 picks a port free for both; the first line printed, "DNS on 127.0.0.1:<port>", names it.
"""

import json
import sys
import time

from dnslib import QTYPE, RCODE, RR, TXT
from dnslib.server import BaseResolver, DNSLogger, DNSServer


class FileResolver(BaseResolver):
    def __init__(self, path):
        self.path = path

    def records(self):
        try:
            with open(self.path, encoding="utf-8") as file:
                return {name.rstrip(".").lower(): values for name, values in json.load(file).items()}
        except (OSError, ValueError):
            return {}

    def resolve(self, request, handler):
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        values = self.records().get(name)
        if values is None:
            reply.header.rcode = RCODE.NXDOMAIN
        elif request.q.qtype in (QTYPE.TXT, QTYPE.ANY):
            for value in values:
                reply.add_answer(RR(request.q.qname, QTYPE.TXT, rdata=TXT(value), ttl=0))
        return reply


def bind(resolver, logger, port):
    """UDP and TCP servers on `port`; with 0, on a port the system picks for UDP and that is
    free for TCP too (tried again with another port while it is not)."""
    for _ in range(50):
        udp = DNSServer(resolver, port=port, address="127.0.0.1", logger=logger)
        chosen = udp.server.server_address[1]
        try:
            tcp = DNSServer(resolver, port=chosen, address="127.0.0.1", tcp=True, logger=logger)
        except OSError:
            udp.server.server_close()
            if port:
                raise
            continue
        return chosen, (udp, tcp)
    raise OSError("no port free for both UDP and TCP")


def main():
    port, path = int(sys.argv[1]), sys.argv[2]
    resolver = FileResolver(path)
    logger = DNSLogger(log="-request,-reply,-truncated,-error,-recv,-send,-data", prefix=False)
    port, servers = bind(resolver, logger, port)
    for server in servers:
        server.start_thread()
    print(f"DNS on 127.0.0.1:{port}", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
