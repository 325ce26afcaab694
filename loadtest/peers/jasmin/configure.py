"""Configures a running jasmind through its jCli console for the load test's peer leg.

One group and one user (the ESME's credentials), one SMPP client connector to the SMSC simulator
(submit_throughput 0: no rate limit), started, and a default MT route to it with rate 0.0.

    configure.py JCLI_PORT SMSC_PORT USERNAME PASSWORD
"""
import socket
import sys
import time

PROMPT = b"jcli : "


class JCli:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buf = b""
        # the console prints its prompt once it has a first line (after its telnet negotiation)
        self.sock.sendall(b"\r\n")
        self.read_until(PROMPT)

    def read_until(self, marker):
        deadline = time.time() + 30
        while marker not in self.buf:
            if time.time() > deadline:
                raise RuntimeError("jCli did not answer; last output: %r" % self.buf[-400:])
            chunk = self.sock.recv(4096)
            if not chunk:
                raise RuntimeError("jCli closed the connection; last output: %r" % self.buf[-400:])
            self.buf += self.strip_telnet(chunk)
        out, self.buf = self.buf.split(marker, 1)
        return out.decode("utf-8", "replace")

    @staticmethod
    def strip_telnet(data):
        # jCli speaks telnet: drop IAC negotiation (IAC, command, option)
        out = bytearray()
        i = 0
        while i < len(data):
            if data[i] == 255 and i + 2 < len(data):
                i += 3
                continue
            out.append(data[i])
            i += 1
        return bytes(out)

    def block(self, opener, settings):
        """An -a block: the opener, key value lines (answered with '> '), then ok."""
        self.sock.sendall(opener.encode() + b"\r\n")
        self.read_until(b"> ")
        for key, value in settings:
            self.sock.sendall(("%s %s" % (key, value)).encode() + b"\r\n")
            self.read_until(b"> ")
        self.sock.sendall(b"ok\r\n")
        out = self.read_until(PROMPT)
        if "Successfully" not in out:
            raise RuntimeError("jCli refused %s: %s" % (opener, out.strip()))
        return out

    def command(self, line):
        self.sock.sendall(line.encode() + b"\r\n")
        return self.read_until(PROMPT)


def main():
    jcli_port, smsc_port, username, password = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    cli = JCli(jcli_port)
    cli.block("group -a", [("gid", "bench")])
    cli.block("user -a", [("username", username), ("password", password), ("gid", "bench"), ("uid", "bench")])
    cli.block("smppccm -a", [
        ("cid", "smsc"), ("host", "127.0.0.1"), ("port", smsc_port), ("username", "jasmin"),
        ("password", "jasmin"), ("submit_throughput", "0"), ("bind", "transceiver"),
    ])
    out = cli.command("smppccm -1 smsc")
    if "Successfully started" not in out:
        raise RuntimeError("connector did not start: " + out.strip())
    cli.block("mtrouter -a", [("type", "DefaultRoute"), ("connector", "smppc(smsc)"), ("rate", "0.0")])
    # wait for the connector's bind
    deadline = time.time() + 30
    while time.time() < deadline:
        out = cli.command("smppccm --list")
        if "BOUND_TRX" in out:
            print("jasmin configured: user %s, connector smsc -> 127.0.0.1:%d bound" % (username, smsc_port))
            return
        time.sleep(0.5)
    raise RuntimeError("connector smsc did not bind to the simulator: " + out.strip())


if __name__ == "__main__":
    main()
