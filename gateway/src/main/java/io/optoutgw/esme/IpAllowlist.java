package io.optoutgw.esme;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/** Addresses and CIDR blocks (IPv4 and IPv6) an account may bind from; empty allows any. */
public final class IpAllowlist {

    private record Block(byte[] network, int prefixBits) {
        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int full = prefixBits / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefixBits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xFF << (8 - rest)) & 0xFF;
            return (address[full] & mask) == (network[full] & mask);
        }
    }

    private final List<Block> blocks;

    public IpAllowlist(List<String> entries) {
        this.blocks = entries.stream().map(IpAllowlist::parse).toList();
    }

    public boolean allows(InetAddress address) {
        if (blocks.isEmpty()) {
            return true;
        }
        if (address == null) {
            return false;
        }
        byte[] bytes = address.getAddress();
        return blocks.stream().anyMatch(b -> b.contains(bytes));
    }

    private static Block parse(String entry) {
        String[] parts = entry.trim().split("/", 2);
        try {
            // only literal addresses: getByName on a literal does no DNS lookup
            if (!parts[0].matches("[0-9a-fA-F:.]+")) {
                throw new IllegalArgumentException("allowedIps: '" + entry + "' is not an IP address or CIDR block");
            }
            byte[] network = InetAddress.getByName(parts[0]).getAddress();
            int bits = parts.length == 2 ? Integer.parseInt(parts[1]) : network.length * 8;
            if (bits < 0 || bits > network.length * 8) {
                throw new IllegalArgumentException("allowedIps: bad prefix length in '" + entry + "'");
            }
            return new Block(network, bits);
        } catch (UnknownHostException | NumberFormatException e) {
            throw new IllegalArgumentException("allowedIps: '" + entry + "' is not an IP address or CIDR block");
        }
    }
}
