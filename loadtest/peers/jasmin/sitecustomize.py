"""TCP_NODELAY on every TCP connection Twisted makes in this virtualenv (installed by jasmin.sh).

Jasmin writes small frames on its SMPP, AMQP and Redis connections and waits for the answers;
with Nagle's algorithm each small write waits for the peer's delayed ACK, which holds its
forwarding to a few dozen messages a second on loopback.
"""
import socket

try:
    from twisted.internet import tcp

    _init = tcp.Connection.__init__

    def _nodelay_init(self, skt, protocol, reactor=None):
        _init(self, skt, protocol, reactor)
        try:
            skt.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    tcp.Connection.__init__ = _nodelay_init
except ImportError:
    pass
