package io.optoutgw.testsupport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Rewrites a closed journal's segment file the way someone with access to the disk could: records
 * changed, dropped or moved, with valid framing (sequences renumbered, CRCs recomputed), so that only
 * the hash chain can tell.
 */
public final class JournalFiles {

    private static final int HEADER = 16;

    private JournalFiles() {}

    /** The payloads of the segment (or snapshot) file named {@code prefix*}, replaced by what {@code change} makes of them. */
    public static void rewrite(Path dir, String prefix, UnaryOperator<List<byte[]>> change) throws IOException {
        Path file;
        try (Stream<Path> s = Files.list(dir)) {
            file = s.filter(p -> p.getFileName().toString().startsWith(prefix))
                    .sorted()
                    .findFirst()
                    .orElseThrow(() -> new IOException("no " + prefix + "* in " + dir));
        }
        ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(file));
        byte[] header = new byte[HEADER];
        in.get(header);
        long first = ByteBuffer.wrap(header).getLong(8);
        List<byte[]> payloads = new ArrayList<>();
        while (in.remaining() >= 17) {
            in.get(); // marker
            int len = in.getInt();
            in.getInt(); // crc
            in.getLong(); // seq
            byte[] p = new byte[len];
            in.get(p);
            payloads.add(p);
        }
        List<byte[]> out = change.apply(payloads);
        int size = HEADER;
        for (byte[] p : out) {
            size += 17 + p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put(header);
        long seq = first;
        for (byte[] p : out) {
            CRC32C crc = new CRC32C();
            crc.update(p);
            b.put((byte) 0xA1)
                    .putInt(p.length)
                    .putInt((int) crc.getValue())
                    .putLong(seq++)
                    .put(p);
        }
        Files.write(file, b.array());
    }
}
